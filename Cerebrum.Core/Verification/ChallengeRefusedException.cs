namespace Cerebrum.Core.Verification;

/// <summary>A challenge message that the receiving side will not go on with (malformed, beyond its limits, or dishonest).</summary>
public sealed class ChallengeRefusedException(string message) : Exception(message);
