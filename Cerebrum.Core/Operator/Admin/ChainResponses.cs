namespace Cerebrum.Core.Operator.Admin;

/// <summary>The body of <c>GET /chain/status</c>; hashes lowercase hex, time UTC.</summary>
public sealed record ChainStatusResponse(
    string ChainId,
    ulong Height,
    string Hash,
    DateTime Time,
    string StateRoot,
    bool Syncing,
    int PendingTransactions,
    IReadOnlyList<ChainValidatorResponse> Validators,
    bool IsValidator);

/// <summary>One member of the validator set of the next height.</summary>
public sealed record ChainValidatorResponse(string PeerId, ulong Power);

/// <summary>The body of <c>GET /chain/blocks/{height}</c>.</summary>
public sealed record ChainBlockResponse(
    ulong Height,
    string Hash,
    string PreviousHash,
    DateTime Time,
    string Proposer,
    string StateRoot,
    IReadOnlyList<ChainTransactionSummary> Transactions,
    int CommitSignatures);

/// <summary>A transaction inside a block; <see cref="Type"/> is the body's name in camelCase (e.g. "transfer").</summary>
public sealed record ChainTransactionSummary(string Hash, string Type, string Sender, ulong Nonce, ulong Fee);

/// <summary>The body of <c>GET /chain/accounts/{peerId}</c>; amounts in micro-CER.</summary>
public sealed record ChainAccountResponse(
    string PeerId,
    ulong Balance,
    ulong Nonce,
    ulong NextNonce,
    ulong Stake,
    ulong Escrow,
    ulong Unbonding,
    DateTime? UnbondingRelease);

/// <summary>The body of a successful <c>POST /chain/txs</c>: the transaction is in the mempool and gossiped (a refusal is an <see cref="AdminError"/> with its code).</summary>
public sealed record ChainSubmitResponse(string Hash);

