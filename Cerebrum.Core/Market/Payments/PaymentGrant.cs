using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// How a payer pays one job: the channel, a new voucher (null when the credit already signed covers the price), the
/// price, and a task that completes once the payer's own record of it is durable.
/// </summary>
public sealed record PaymentGrant(byte[] ChannelId, Voucher? Voucher, ulong Price, Task Durable)
{
    public string ChannelHex => Convert.ToHexStringLower(ChannelId);
}
