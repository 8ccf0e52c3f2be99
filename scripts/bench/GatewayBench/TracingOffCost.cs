using System.Diagnostics;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;

namespace Cerebrum.Bench.Gateway;

/// <summary>
/// What Core's tracing costs a request when tracing is off, measured alone (the whole request's cost is thousands of
/// times larger, below what two cells can tell apart): each span site asks a source without listener for an activity
/// and gets null, and the infer request's trace context is left out after one look at the current activity.
/// </summary>
internal static class TracingOffCost
{
    /// <summary>gateway.dispatch, gateway.select, gateway.attempt, infer.receipt.verify at the gateway; infer.job, infer.receipt.sign at the node.</summary>
    public const int SitesPerRequest = 6;

    public static double NanosecondsPerRequest(int requests)
    {
        using var source = new ActivitySource("Cerebrum.Bench.TracingOff"); // no listener, as Core's sources with tracing off
        var request = new InferRequest();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < requests; i++)
        {
            for (var site = 0; site < SitesPerRequest; site++)
                source.StartActivity("span")?.Dispose();
            InferTraceContext.Inject(request);
        }
        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / requests;
    }
}
