namespace Cerebrum.Cli.Admin;

/// <summary>One member of the validator set in <c>GET /chain/status</c>.</summary>
public sealed record ChainValidatorResponse(string PeerId, long Power);
