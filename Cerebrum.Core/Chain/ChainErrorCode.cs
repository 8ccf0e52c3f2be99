namespace Cerebrum.Core.Chain;

/// <summary>Why the ledger refused a transaction, a block or a commit. Values are stable (they may be shown to users).</summary>
public enum ChainErrorCode
{
    // Transactions
    MalformedTransaction = 1,
    TransactionTooLarge = 2,
    BadSignature = 3,
    WrongChainId = 4,
    WrongNonce = 5,
    FeeTooLow = 6,
    InsufficientBalance = 7,
    InsufficientStake = 8,
    InvalidAmount = 9,
    InvalidField = 10,
    UnknownTransactionType = 11,
    UnknownModel = 12,
    DuplicateModelName = 13,
    ModelAlreadyRegistered = 14,
    NodeStakeTooLow = 15,
    Overflow = 16,

    /// <summary>Bytes that parse but are not the one canonical encoding (unknown or repeated fields, padded numbers).</summary>
    NonCanonicalEncoding = 17,

    /// <summary>A block time outside what the chain accepts (before 1970 or after the year 3000).</summary>
    TimeOutOfRange = 18,

    // Mempool
    DuplicateTransaction = 30,
    MempoolFull = 31,

    // Blocks
    MalformedBlock = 50,
    WrongHeight = 51,
    WrongPreviousHash = 52,
    TimeNotMonotonic = 53,
    UnknownProposer = 54,
    TooManyTransactions = 55,
    BlockTooLarge = 56,
    TxRootMismatch = 57,
    StateRootMismatch = 58,
    ValidatorsHashMismatch = 59,
    InvalidTransactionInBlock = 60,
    BadCommit = 61,
    BadLastCommit = 62,
    UnknownHeight = 63,

    // Store
    StoreMismatch = 70,
}
