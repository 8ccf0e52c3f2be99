namespace Cerebrum.Core.Market.Payments;

/// <summary>Why a node would not take a job's payment; each maps to a typed error on the wire.</summary>
public enum PaymentErrorCode
{
    /// <summary>No payment, or not enough: the price is named.</summary>
    PaymentRequired = 1,

    /// <summary>The ledger knows no such channel (never opened, not yet committed, or settled).</summary>
    UnknownChannel = 2,

    /// <summary>The channel's payer has started closing it.</summary>
    ChannelClosing = 3,

    /// <summary>The channel pays another node, or the requester is not its payer.</summary>
    WrongChannel = 4,

    /// <summary>Malformed, or not signed by the channel's payer for this chain.</summary>
    BadVoucher = 5,

    /// <summary>The voucher's nonce does not increase (or its amount goes down) and the credit left does not cover the job.</summary>
    StaleVoucher = 6,

    /// <summary>The voucher promises more than the channel's deposit.</summary>
    AboveDeposit = 7,

    /// <summary>The payment could not be made durable; the job was not run.</summary>
    Unavailable = 8,
}
