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

    // Validator evidence (issue 21): 180-199
    /// <summary>Evidence that does not prove double signing by a validator of its height (malformed, not conflicting, badly signed).</summary>
    InvalidEvidence = 180,

    /// <summary>Evidence older than both params.maxEvidenceAgeBlocks and params.maxEvidenceAge.</summary>
    EvidenceTooOld = 181,

    /// <summary>The validator was already slashed for this offence (or one before its last slash).</summary>
    EvidenceAlreadyPunished = 182,

    /// <summary>Evidence of a height this node has not committed (it cannot check it yet).</summary>
    EvidenceOfUnknownHeight = 183,

    /// <summary>More evidence in a block than params.maxBlockEvidence, or no room in the pending pool.</summary>
    TooMuchEvidence = 184,

    /// <summary>Unjail from an account that is not jailed.</summary>
    NotJailed = 185,

    /// <summary>Unjail before the jail's release time.</summary>
    JailNotOver = 186,

    /// <summary>The evidence is already pending here.</summary>
    DuplicateEvidence = 187,

    /// <summary>A block after which no validator would be left (every one jailed).</summary>
    NoValidatorsLeft = 188,

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

    // Verification: attestations and evidence about nodes (140-179)
    NotAValidator = 140,
    BadAttestation = 141,
    StaleAttestation = 142,
    UnknownNode = 143,
    BadNodeStatement = 144,
    UnknownDispute = 145,
    BadEvidence = 146,
    DuplicateDispute = 147,
    NotInLease = 148,
    LeaseAlreadyBreached = 149,
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
