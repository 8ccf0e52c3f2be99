using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Market.Leases;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// A node's admission of <c>/cerebrum/infer/</c> jobs. While it is leased it serves only the tenant and the tenant's
/// delegates (free: the lease prepaid them), everyone else gets a typed <c>leased</c> error. Otherwise a priced node
/// charges each job its price through the <see cref="VoucherBook"/> (the charge's write is the admission's
/// <see cref="InferAdmission.Durable"/>, so the answer leaves only once it is on disk), and refuses with a typed
/// <c>payment_required</c> naming the price and the reason. The node's own jobs (its own gateway) are free.
/// </summary>
public sealed class NodeJobAdmission(VoucherBook payee, LeaseDesk leases, PeerId self, Func<ulong> price, TimeProvider time) : IInferAdmission
{
    public InferAdmission Admit(InferCaller caller)
    {
        if (caller.Requester == self) return InferAdmission.Free;
        if (leases.Current(time.GetUtcNow()) is { } lease)
            return lease.Allows(caller.Requester)
                ? InferAdmission.Free
                : InferAdmission.Refused(InferenceErrorCode.Leased, $"this node is leased until {lease.Until:O} and serves only its tenant");
        var asked = price();
        if (asked == 0) return InferAdmission.Free;
        if (caller.MaxPrice != 0 && caller.MaxPrice < asked)
            return Refused(PaymentErrorCode.PaymentRequired, $"a job costs {asked} micro-CER, above the {caller.MaxPrice} offered", asked, null);
        Voucher? voucher = null;
        if (!caller.Voucher.IsEmpty)
        {
            try
            {
                voucher = Voucher.Parser.ParseFrom(caller.Voucher.Span);
            }
            catch (InvalidProtocolBufferException e)
            {
                return Refused(PaymentErrorCode.BadVoucher, $"the voucher does not decode: {e.Message}", asked, null);
            }
        }
        var decision = payee.Charge(caller.Requester, caller.ChannelId.Span, voucher, asked);
        if (decision.Ticket is not { } ticket) return Refused(decision.Error ?? PaymentErrorCode.PaymentRequired, decision.Message, asked, decision.Best);
        return InferAdmission.Paid(asked, ticket.Durable, () => payee.Refund(ticket));
    }

    private static InferAdmission Refused(PaymentErrorCode reason, string message, ulong asked, Voucher? best) =>
        InferAdmission.Refused(InferenceErrorCode.PaymentRequired, message, asked, (uint)reason, best?.ToByteArray());
}
