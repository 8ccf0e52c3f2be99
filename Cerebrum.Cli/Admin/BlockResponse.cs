namespace Cerebrum.Cli.Admin;

/// <summary><c>GET /chain/blocks/{height}</c>: a finalized block's header, its transactions and its commit size.</summary>
public sealed record BlockResponse(
    ulong Height,
    string Hash,
    string PreviousHash,
    DateTimeOffset Time,
    string Proposer,
    string StateRoot,
    IReadOnlyList<BlockTransactionResponse> Transactions,
    int CommitSignatures);
