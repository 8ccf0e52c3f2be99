using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Text embeddings through the network with the model's own <see cref="TextEmbeddingPipeline"/>: the text encoding the
/// model's nodes announce picks the tokenizer (a built-in model's own, known here, takes precedence over what any node
/// says), the texts are tokenized here, the model runs on a node as one tensor job for all of them (through the
/// <see cref="InferDispatcher"/>, so with failover, and by hash, so on a node serving exactly the model the tokens are
/// for), and the hidden states are pooled here.
/// </summary>
public sealed class GatewayTextEmbedder(InferDispatcher dispatcher, RoutingTable table, TextEmbeddingPipelines? pipelines = null)
{
    private readonly TextEmbeddingPipelines _pipelines = pipelines ?? TextEmbeddingPipelines.Builtin;

    /// <exception cref="GatewayException">Unknown model, not a text-embedding model (or one this gateway cannot tokenize for), no node, no capacity, deadline.</exception>
    public async Task<TextEmbeddings<DispatchResult>> EmbedAsync(string model, IReadOnlyList<string> texts, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
            throw new GatewayException(GatewayErrorKind.BadRequest, "input must hold at least one text");
        var pipeline = Pipeline(model, out var hash);
        try
        {
            return await pipeline.EmbedAsync(texts, (inputs, ct) => dispatcher.DispatchAsync(hash, inputs, deadline, ct), d => d.Result.Outputs, cancellationToken).ConfigureAwait(false);
        }
        catch (TextEmbeddingException e)
        {
            throw new GatewayException(GatewayErrorKind.BadRequest, e.Message);
        }
    }

    private TextEmbeddingPipeline Pipeline(string model, out string hash)
    {
        var served = table.FindModel(model) ?? throw table.NotServed(model);
        if (served.Task != ModelTasks.TextEmbedding)
            throw new GatewayException(GatewayErrorKind.BadRequest, $"model '{model}' is not a text-embedding model (its task is '{(served.Task.Length == 0 ? "tensor" : served.Task)}'); use /v2/models/{model}/infer for raw tensors");
        var encoding = BuiltinModels.EncodingOf(served.Hash) ?? served.TextEncoding
            ?? throw new GatewayException(GatewayErrorKind.BadRequest, $"model '{model}' is a text-embedding model whose nodes do not say how to tokenize for it; use /v2/models/{model}/infer with token ids");
        hash = served.Hash;
        try
        {
            return _pipelines.For(model, encoding, served.Inputs.Select(i => i.Name));
        }
        catch (TextEmbeddingException e)
        {
            throw new GatewayException(GatewayErrorKind.BadRequest, $"{e.Message}; use /v2/models/{model}/infer with token ids");
        }
    }
}
