using System.CommandLine;
using Cerebrum.Cli.Gateway;
using Cerebrum.Cli.Inference;
using Cerebrum.Core.Gateway;
using Cerebrum.Cli.Network;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Cli.Commands;

/// <summary><c>cerebrum infer --peer MULTIADDR --model NAME|HASH --input JSON</c>: one job sent directly to a node.</summary>
public static class InferCommand
{
    public static Command Create()
    {
        var peerOption = PeerOption();
        var modelOption = new Option<string>("--model")
        {
            Description = "The model to run: its sha256:<hex> hash, or its name on that node.",
            HelpName = "NAME|HASH",
            Required = true,
        };
        var inputOption = new Option<string>("--input")
        {
            Description = "Input tensors in KServe v2 JSON: {\"inputs\":[{\"name\":\"x\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]} or a single tensor object; @FILE reads the JSON from a file. Datatypes: FP32, FP64, FP16, BF16, INT8-64, UINT8-64, BOOL.",
            HelpName = "JSON",
            Required = true,
        };
        var timeoutOption = CommonOptions.Timeout("Give up when connecting, or when the answer takes longer than this many seconds (also the job's deadline on the node).");
        var gatewayOption = GatewayOptions.Gateway();
        var apiKeyOption = GatewayOptions.ApiKey();
        var command = new Command("infer", "Send one inference job directly to a node over /cerebrum/infer/1.0.0 from a throwaway identity (--peer), verify the node's signed receipt, and print the outputs as one line of KServe v2 JSON ({\"model_name\",\"id\",\"outputs\":[…]}); or send it through a gateway's KServe v2 API (--gateway). A node's refusal prints 'error: <type>: <reason>' (unknown_model, bad_input, busy, deadline_exceeded, internal); a gateway's 'error: <status> <reason>: <message>'.")
        {
            peerOption,
            gatewayOption,
            apiKeyOption,
            modelOption,
            inputOption,
            timeoutOption,
        };
        GatewayOptions.RequireOneTarget(command, peerOption, gatewayOption);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var inputs = ParseInput(parseResult.GetValue(inputOption)!);
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            if (parseResult.GetValue(gatewayOption) is { Length: > 0 } gatewayUrl)
            {
                using var gateway = GatewayHttpClient.Create(gatewayUrl, parseResult.GetValue(apiKeyOption), timeout);
                var model = parseResult.GetValue(modelOption)!;
                var body = KServeJson.FormatInputs(inputs);
                var answer = await gateway.PostAsync($"v2/models/{Uri.EscapeDataString(model)}/infer", body, cancellationToken);
                await stdout.WriteLineAsync(answer.Trim());
                return 0;
            }
            await using var peer = await DirectConnection.OpenAsync(parseResult.GetValue(peerOption)!, timeout, cancellationToken);
            var requested = parseResult.GetValue(modelOption)!;
            var result = await InferClient.InferAsync(peer, requested, inputs, timeout, cancellationToken);
            // model_name is what the client asked for, as the gateway answers it (issue 16 item 7); the receipt holds the hash.
            await stdout.WriteLineAsync(KServeJson.FormatOutputs(requested, result.JobId, result.Outputs));
            return 0;
        });
        return command;
    }

    public static Option<string?> PeerOption() => new("--peer", "-p")
    {
        Description = "The node's address, e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer-id> (with /p2p/<peer-id> its identity is verified). Either this or --gateway.",
        HelpName = "MULTIADDR",
    };

    private static IReadOnlyList<Tensor> ParseInput(string text)
    {
        if (text.StartsWith('@'))
        {
            try
            {
                text = File.ReadAllText(text[1..]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CommandFailedException($"cannot read --input file {text[1..]}: {e.Message}");
            }
        }
        try
        {
            return KServeJson.ParseInputs(text);
        }
        catch (FormatException e)
        {
            throw new CommandFailedException(e.Message);
        }
    }
}
