namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// Text cannot be embedded with a model: its text encoding names a tokenizer, pooling or vocabulary this process does not
/// have, its signature is not a sentence encoder's, or its outputs do not have a sentence encoder's shapes.
/// </summary>
public sealed class TextEmbeddingException(string message) : Exception(message);
