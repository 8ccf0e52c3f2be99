namespace Cerebrum.Core.Gateway;

/// <summary>Unit-length sentence vectors, one per text in order, the tokens they took, and the dispatch that computed them.</summary>
public sealed record TextEmbeddingResult(float[][] Vectors, int PromptTokens, DispatchResult Dispatch);
