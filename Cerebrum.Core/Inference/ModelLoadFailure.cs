namespace Cerebrum.Core.Inference;

/// <summary>A configured model the engine refused at start-up; the others keep serving.</summary>
public sealed record ModelLoadFailure(string Model, string Reason);
