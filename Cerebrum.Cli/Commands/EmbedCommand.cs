using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Gateway;
using Cerebrum.Cli.Inference;
using Cerebrum.Core.Gateway;
using Cerebrum.Cli.Network;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Cli.Commands;

/// <summary>
/// <c>cerebrum embed --peer MULTIADDR "text"</c>: a sentence embedding from a node serving the built-in MiniLM. The text is
/// tokenized here with the model's own vocabulary, the node runs the model as a plain infer job, and the hidden states
/// are mean-pooled and normalized here (docs/protocols.md, "Inference").
/// </summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var peerOption = InferCommand.PeerOption();
        var textArgument = new Argument<string>("TEXT")
        {
            Description = "The text to embed (a longer text is cut at the model's token limit: 256 tokens for the built-in MiniLM).",
        };
        var modelOption = new Option<string>("--model")
        {
            Description = $"The sentence encoder, by name or hash. The built-in {BuiltinModels.AllMiniLmL6V2} is found by its hash whatever a node named it; with --peer it must be that model, while a gateway embeds with any text-embedding model its nodes announce.",
            HelpName = "NAME|HASH",
            DefaultValueFactory = _ => BuiltinModels.AllMiniLmL6V2,
        };
        var gatewayOption = GatewayOptions.Gateway();
        var apiKeyOption = GatewayOptions.ApiKey();
        var timeoutOption = CommonOptions.Timeout("Give up when connecting, or when the answer takes longer than this many seconds (also the job's deadline on the node).");
        var command = new Command("embed", $"Embed a text with a node's {BuiltinModels.AllMiniLmL6V2} over /cerebrum/infer/1.0.0 (tokenized and pooled on this side, the node's receipt verified; --peer) or through a gateway's /v1/embeddings (--gateway), and print the unit-length embedding as one JSON array of numbers.")
        {
            textArgument,
            peerOption,
            gatewayOption,
            apiKeyOption,
            modelOption,
            timeoutOption,
        };
        GatewayOptions.RequireOneTarget(command, peerOption, gatewayOption);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var timeoutValue = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            var model = parseResult.GetValue(modelOption)!;
            // A built-in model is asked for by its hash, so it is found whatever name a node's store gave it.
            var requested = BuiltinModels.HashOf(model) ?? model;
            if (parseResult.GetValue(gatewayOption) is { Length: > 0 } gatewayUrl)
            {
                using var gateway = GatewayHttpClient.Create(gatewayUrl, parseResult.GetValue(apiKeyOption), timeoutValue);
                var request = JsonSerializer.Serialize(new EmbeddingRequest(requested, parseResult.GetValue(textArgument)!), CliJson.Options);
                var answer = await gateway.PostAsync("v1/embeddings", request, cancellationToken);
                await stdout.WriteLineAsync(KServeJson.FormatVector(ReadFirstEmbedding(answer)));
                return 0;
            }
            var pipeline = TextEmbeddingPipelines.ForBuiltin(BuiltinModels.AllMiniLmL6V2, model);
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            await using var peer = await DirectConnection.OpenAsync(parseResult.GetValue(peerOption)!, timeout, cancellationToken);
            float[][] vectors;
            try
            {
                var embedded = await pipeline.EmbedAsync([parseResult.GetValue(textArgument)!],
                    (inputs, ct) => InferClient.InferAsync(peer, requested, inputs, timeout, ct), r => r.Outputs, cancellationToken);
                // The tokens were the built-in encoder's; the node's signed answer says which model turned them into vectors.
                if (embedded.Run.ModelHash != BuiltinModels.AllMiniLmL6V2Hash)
                    throw new CommandFailedException($"model '{model}' is {embedded.Run.ModelHash} on the node, not the built-in {BuiltinModels.AllMiniLmL6V2} whose tokenizer this command has; embed with other models through a gateway (--gateway), which learns each model's tokenizer from its nodes");
                vectors = embedded.Vectors;
            }
            catch (TextEmbeddingException e)
            {
                throw new CommandFailedException(e.Message);
            }
            await stdout.WriteLineAsync(KServeJson.FormatVector(vectors[0]));
            return 0;
        });
        return command;
    }

    private static float[] ReadFirstEmbedding(string answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return [.. document.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new CommandFailedException($"the gateway's answer is not an embeddings response: {e.Message}");
        }
    }

    private sealed record EmbeddingRequest(string Model, string Input);
}
