namespace Cerebrum.Core.Inference.Store;

/// <summary>Known values of <see cref="ModelInfo.Task"/>.</summary>
public static class ModelTasks
{
    /// <summary>A plain tensor-in, tensor-out model.</summary>
    public const string Tensor = "";

    /// <summary>A BERT-style sentence encoder: WordPiece ids in, last_hidden_state out, mean-pooled to one vector per text.</summary>
    public const string TextEmbedding = "text-embedding";
}
