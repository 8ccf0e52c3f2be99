using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// What <see cref="VoucherBook.Charge"/> decided: a ticket when the job is paid, otherwise the error, a message, the
/// price the node asks, and the best voucher the node holds for the channel (signed by the payer, so the payer can
/// trust it to resynchronise after losing its own state).
/// </summary>
public sealed record PaymentDecision(PaymentTicket? Ticket, PaymentErrorCode? Error, string Message, ulong Price, Voucher? Best)
{
    public bool IsPaid => Ticket is not null;

    public static PaymentDecision Paid(PaymentTicket ticket) => new(ticket, null, "paid", ticket.Price, null);

    public static PaymentDecision Refused(PaymentErrorCode error, string message, ulong price, Voucher? best = null) => new(null, error, message, price, best);
}
