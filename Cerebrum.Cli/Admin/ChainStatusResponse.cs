namespace Cerebrum.Cli.Admin;

/// <summary><c>GET /chain/status</c>: the daemon's view of the ledger's tip.</summary>
public sealed record ChainStatusResponse(
    string ChainId,
    ulong Height,
    string Hash,
    DateTimeOffset Time,
    string StateRoot,
    bool Syncing,
    int PendingTransactions,
    IReadOnlyList<ChainValidatorResponse> Validators,
    bool IsValidator);
