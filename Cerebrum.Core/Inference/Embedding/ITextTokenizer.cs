namespace Cerebrum.Core.Inference.Embedding;

/// <summary>One tokenizer kind loaded with its vocabulary (see <see cref="Store.TextEncoding.Tokenizer"/>). Thread-safe.</summary>
public interface ITextTokenizer
{
    /// <summary>
    /// The token ids of <paramref name="text"/> framed with the kind's special tokens, at most <paramref name="maxTokens"/>
    /// of them: a longer text loses the tokens past the limit, keeping the closing special token.
    /// </summary>
    long[] Encode(string text, int maxTokens);
}
