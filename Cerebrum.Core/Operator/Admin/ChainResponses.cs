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

/// <summary>
/// The body of <c>GET /chain/consensus</c>: consensus health as this daemon sees it. <see cref="DecidingHeight"/> and
/// <see cref="Round"/> come from this daemon's own consensus driver (null unless it runs one, in validator mode); the
/// precommit tally comes from the commits of the last blocks (<see cref="From"/> to <see cref="To"/>), the same on every daemon.
/// </summary>
public sealed record ChainConsensusResponse(
    ulong Height,
    long? DecidingHeight,
    int? Round,
    bool IsValidator,
    ulong From,
    ulong To,
    IReadOnlyList<ChainValidatorParticipationResponse> Validators);

/// <summary>One validator's precommits in the commits of <c>GET /chain/consensus</c>'s run of blocks.</summary>
/// <param name="Expected">Blocks of the run decided by a set it belonged to.</param>
/// <param name="Missed">Of those, the blocks whose commit lacks its precommit.</param>
/// <param name="LastSigned">The highest height of the run whose commit carries its precommit; null when none does.</param>
/// <param name="Self">True for this daemon's own key.</param>
public sealed record ChainValidatorParticipationResponse(string PeerId, long Power, int Expected, int Signed, int Missed, ulong? LastSigned, bool Self);

/// <summary>One member of the validator set of the next height.</summary>
public sealed record ChainValidatorResponse(string PeerId, long Power);

/// <summary>The body of <c>GET /chain/blocks/{height}</c>.</summary>
/// <param name="Evidence">The double-signing evidence the block executed (each slashed and jailed its validator).</param>
public sealed record ChainBlockResponse(
    ulong Height,
    string Hash,
    string PreviousHash,
    DateTime Time,
    string Proposer,
    string StateRoot,
    IReadOnlyList<ChainTransactionSummary> Transactions,
    int CommitSignatures,
    IReadOnlyList<ChainEvidenceSummary>? Evidence = null);

/// <summary>A proof of double signing inside a block: whose, and which vote (height, round, "prevote" or "precommit") it signed twice.</summary>
public sealed record ChainEvidenceSummary(string Validator, long Height, int Round, string Type);

/// <summary>The body of <c>GET /chain/validators</c>: the set deciding <see cref="Height"/> (the next height), then the jailed validators.</summary>
public sealed record ChainValidatorsResponse(ulong Height, long TotalPower, IReadOnlyList<ChainValidatorDetail> Validators);

/// <summary>
/// One validator: its power in the set (0 when jailed), its permanent genesis power and bonded stake (micro-CER), and
/// its slashing record: jailed until <see cref="JailRelease"/> (then it may send Unjail), slashed <see cref="SlashedTotal"/>
/// micro-CER in all, last at block <see cref="SlashedHeight"/> (0: never).
/// </summary>
public sealed record ChainValidatorDetail(
    string PeerId,
    long Power,
    ulong GenesisPower,
    ulong Stake,
    bool Jailed,
    DateTime? JailRelease,
    ulong SlashedTotal,
    ulong SlashedHeight);

/// <summary>A transaction inside a block; <see cref="Type"/> is the body's name in camelCase (e.g. "transfer").</summary>
public sealed record ChainTransactionSummary(string Hash, string Type, string Sender, ulong Nonce, ulong Fee);

/// <summary>
/// The body of <c>GET /chain/accounts/{peerId}</c>; amounts in micro-CER. A validator's jail and slashing record:
/// <see cref="Jailed"/> until <see cref="JailRelease"/> (then Unjail), <see cref="SlashedTotal"/> burned in all, last at
/// block <see cref="SlashedHeight"/> (0: never).
/// </summary>
public sealed record ChainAccountResponse(
    string PeerId,
    ulong Balance,
    ulong Nonce,
    ulong NextNonce,
    ulong Stake,
    ulong Escrow,
    ulong Unbonding,
    DateTime? UnbondingRelease,
    bool Jailed = false,
    DateTime? JailRelease = null,
    ulong SlashedTotal = 0,
    ulong SlashedHeight = 0);

/// <summary>The body of <c>GET /chain/txs/{hash}</c>: what this daemon knows of a transaction's fate.</summary>
/// <param name="Status">"included" (in a committed block), "pending" (in the mempool), "rejected" (refused by this daemon's ledger lately: <see cref="Error"/> and <see cref="Code"/> say why) or "unknown" (never seen, or its rejection has aged out of the bounded record).</param>
/// <param name="Height">When included: the block's height.</param>
/// <param name="Index">When included: the transaction's position in the block.</param>
/// <param name="Code">When rejected: the <c>ChainErrorCode</c> name, e.g. <c>WrongNonce</c>.</param>
public sealed record ChainTransactionStatusResponse(string Hash, string Status, ulong? Height = null, int? Index = null, string? Error = null, string? Code = null)
{
    public const string Included = "included";
    public const string Pending = "pending";
    public const string Rejected = "rejected";
    public const string Unknown = "unknown";
}

/// <summary>The body of a successful <c>POST /chain/txs</c>: the transaction is in the mempool and gossiped (a refusal is an <see cref="AdminError"/> with its code); of <c>POST /chain/txs/check</c>: it would be.</summary>
public sealed record ChainSubmitResponse(string Hash);

