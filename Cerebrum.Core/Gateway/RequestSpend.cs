namespace Cerebrum.Core.Gateway;

/// <summary>
/// What one HTTP request's jobs paid, in micro-CER: the gateway's API-key middleware begins one per request, and every
/// paid job of that request (however many it fans out to) adds its price, since the value flows with the request's
/// asynchronous context. The middleware then books the total to the key.
/// </summary>
public sealed class RequestSpend
{
    private static readonly AsyncLocal<RequestSpend?> s_current = new();
    private long _spent;

    /// <summary>The request in whose context the caller runs, or null (a job outside any HTTP request).</summary>
    public static RequestSpend? Current => s_current.Value;

    /// <summary>Starts counting for the calling context and what it awaits.</summary>
    public static RequestSpend Begin() => s_current.Value = new RequestSpend();

    public ulong Total => (ulong)Interlocked.Read(ref _spent);

    public void Add(ulong price) => Interlocked.Add(ref _spent, checked((long)price));
}
