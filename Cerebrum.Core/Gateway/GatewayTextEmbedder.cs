using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Text embeddings through the network: tokenizes here with the built-in sentence encoder's vocabulary, runs the model
/// on a node as one tensor job for all texts (through the <see cref="InferDispatcher"/>, so with failover), and
/// mean-pools and normalizes the hidden states here, as <c>cerebrum embed</c> does.
/// </summary>
public sealed class GatewayTextEmbedder(InferDispatcher dispatcher, RoutingTable table)
{
    private readonly Lazy<BuiltinTextEncoder> _encoder = new(() => BuiltinTextEncoder.Open(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <exception cref="GatewayException">Unknown model, not a text-embedding model, no node, no capacity, deadline.</exception>
    public async Task<TextEmbeddingResult> EmbedAsync(string model, IReadOnlyList<string> texts, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
            throw new GatewayException(GatewayErrorKind.BadRequest, "input must hold at least one text");
        if (table.FindModel(model) is { } served && served.Task != ModelTasks.TextEmbedding)
            throw new GatewayException(GatewayErrorKind.BadRequest, $"model '{model}' is not a text-embedding model (its task is '{(served.Task.Length == 0 ? "tensor" : served.Task)}'); use /v2/models/{model}/infer for raw tensors");
        var inputs = _encoder.Value.Tokenize(texts);
        var mask = inputs.First(i => i.Name == BuiltinTextEncoder.AttentionMaskInput);
        var dispatch = await dispatcher.DispatchAsync(model, inputs, deadline, cancellationToken).ConfigureAwait(false);
        var hidden = dispatch.Result.Outputs.FirstOrDefault(o => o.Name == BuiltinTextEncoder.HiddenStateOutput)
            ?? throw new GatewayException(GatewayErrorKind.BadRequest, $"model '{model}' has no '{BuiltinTextEncoder.HiddenStateOutput}' output; is it a sentence encoder?");
        float[][] vectors;
        try
        {
            vectors = BuiltinTextEncoder.Pool(hidden, mask);
        }
        catch (InvalidOperationException e)
        {
            throw new GatewayException(GatewayErrorKind.BadRequest, $"model '{model}' answered outputs that are not a sentence encoder's: {e.Message}");
        }
        var tokens = (int)mask.ToInt64s().Sum();
        return new TextEmbeddingResult(vectors, tokens, dispatch);
    }
}
