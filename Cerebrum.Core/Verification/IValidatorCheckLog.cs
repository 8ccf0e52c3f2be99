namespace Cerebrum.Core.Verification;

/// <summary>
/// Where a validator's checks report what they did, for its operator (the admin API's <c>GET /validator/checks</c> and the
/// dashboard): every kind of check (hardware, latency, canaries, receipts) records each run, passed, failed or broken off.
/// </summary>
public interface IValidatorCheckLog
{
    void Record(ValidatorCheck check);
}
