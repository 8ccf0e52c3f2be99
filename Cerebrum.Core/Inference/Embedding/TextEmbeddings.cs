namespace Cerebrum.Core.Inference.Embedding;

/// <summary>One vector per text, in order, the tokens they took, and the run that computed them (a local run, a dispatch...).</summary>
public sealed record TextEmbeddings<TRun>(float[][] Vectors, int TokenCount, TRun Run);
