using System.Globalization;
using Cerebrum.Core.Inference.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// The W3C <c>Server-Timing</c> header of an answered job: how long it queued on the node and how long the model ran
/// there (<c>queue;dur=0.01, compute;dur=3.52</c>, milliseconds, as the node reported them), so that an app (or a
/// browser's network panel) can tell the model's own time from what the network and the gateway add.
/// </summary>
public static class ServerTimingHeader
{
    public const string Name = "Server-Timing";

    public static string Format(TimeSpan queue, TimeSpan compute) => string.Create(CultureInfo.InvariantCulture,
        $"queue;dur={queue.TotalMilliseconds:0.###}, compute;dur={compute.TotalMilliseconds:0.###}");

    public static void Add(HttpResponse response, InferCallResult result) =>
        response.Headers[Name] = Format(result.QueueTime, result.ComputeTime);
}
