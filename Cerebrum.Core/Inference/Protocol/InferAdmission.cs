namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// An <see cref="IInferAdmission"/>'s decision. Admitted: the price charged (0 when free), a task that completes once the
/// charge is durable (the node answers only after it) and what gives the charge back when the job then fails. Refused:
/// the typed error, its message, the price asked, and for payment errors the reason's number and the best voucher the
/// node holds on the channel (encoded).
/// </summary>
public sealed record InferAdmission(InferenceErrorCode? Error, string Message, ulong Price, uint PaymentError = 0, byte[]? BestVoucher = null)
{
    public static readonly InferAdmission Free = new(null, "free", 0);

    public Task Durable { get; init; } = Task.CompletedTask;

    /// <summary>Gives the charge back (the job failed after it was admitted); called at most once.</summary>
    public Action? Refund { get; init; }

    public bool Admitted => Error is null;

    public static InferAdmission Paid(ulong price, Task durable, Action refund) => new(null, "paid", price) { Durable = durable, Refund = refund };

    public static InferAdmission Refused(InferenceErrorCode error, string message, ulong price = 0, uint paymentError = 0, byte[]? bestVoucher = null) =>
        new(error, message, price, paymentError, bestVoucher);
}
