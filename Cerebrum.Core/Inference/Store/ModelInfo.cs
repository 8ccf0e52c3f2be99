using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Store;

/// <summary>What the store knows about one model: its identity, alias, and signature as read from the file.</summary>
/// <param name="Hash">sha256:&lt;hex&gt; of the file's bytes.</param>
/// <param name="Name">Local alias, unique within the store.</param>
/// <param name="Opset">Version of the default ("ai.onnx") operator set the model imports.</param>
/// <param name="Task">What the model is for beyond raw tensors, e.g. <see cref="ModelTasks.TextEmbedding"/>; "" for plain tensor models.</param>
/// <param name="TextEncoding">For text models, how text is tokenized for it and its output pooled (its vocabulary is stored next to the model); null otherwise.</param>
public sealed record ModelInfo(
    string Hash,
    string Name,
    long SizeBytes,
    long IrVersion,
    long Opset,
    IReadOnlyList<TensorSignature> Inputs,
    IReadOnlyList<TensorSignature> Outputs,
    string Task,
    TextEncoding? TextEncoding,
    DateTimeOffset AddedAt)
{
    /// <summary>For text models, the hash of the tokenizer vocabulary stored next to the model; null otherwise.</summary>
    public string? VocabularyHash => TextEncoding?.VocabularyHash;
}
