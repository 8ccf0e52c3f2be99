namespace Cerebrum.Cli.Admin;

/// <summary><c>GET /chain/accounts/{peerId}</c>: an account's committed state plus the next nonce to use.</summary>
public sealed record AccountResponse(
    string PeerId,
    ulong Balance,
    ulong Nonce,
    ulong NextNonce,
    ulong Stake,
    ulong Escrow,
    ulong Unbonding,
    DateTimeOffset? UnbondingRelease);
