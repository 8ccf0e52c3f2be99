namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// Decides, before a job runs, whether its requester may have it and what it costs: the market implements it (payment
/// by voucher, exclusive leases), so that this layer knows nothing of channels or the ledger. Called once per request,
/// on the handler's task; it must not block on I/O (what it persists it hands back as <see cref="InferAdmission.Durable"/>).
/// </summary>
public interface IInferAdmission
{
    InferAdmission Admit(InferCaller caller);
}
