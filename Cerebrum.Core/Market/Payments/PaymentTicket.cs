namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// A job's accepted payment: the channel charged, the price, and a task that completes once the payment is durable
/// (the node answers only after it). <see cref="VoucherBook.Refund"/> gives the price back when the job fails.
/// </summary>
public sealed record PaymentTicket(string ChannelId, ulong Price, Task Durable)
{
    internal int Refunded;
}
