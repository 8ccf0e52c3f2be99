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

    // Market: payment channels (100-119), leases (120-134), supply (135-139)
    UnknownChannel = 100,
    NotChannelPayer = 101,
    NotChannelNode = 102,
    ChannelClosing = 103,
    ChannelNotClosing = 104,
    SettleDelayNotOver = 105,
    SettleDeadlinePassed = 106,
    BadVoucherSignature = 107,
    VoucherAboveDeposit = 108,
    StaleVoucher = 109,
    UnknownLease = 120,
    NodeNotRegistered = 121,
    NodeAlreadyLeased = 122,
    BadLeaseSignature = 123,
    LeaseOfferExpired = 124,
    WrongLeaseSequence = 125,
    LeaseHoursOutOfRange = 126,
    NotLeaseParty = 127,
    LeaseNotEnded = 128,
    SupplyChanged = 135,
}
