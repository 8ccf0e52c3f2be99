using System.Diagnostics.Metrics;
using Cerebrum.Core.Gateway;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Counts the gateway's HTTP answers by status code (<see cref="GatewayMetrics.Requests"/>), with the tag of every
/// status code built once so that counting a request allocates nothing.
/// </summary>
public sealed class GatewayRequestCounter
{
    private static readonly KeyValuePair<string, object?>[] StatusTags =
        [.. Enumerable.Range(0, 600).Select(code => new KeyValuePair<string, object?>(GatewayMetrics.StatusTag, code.ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    private readonly Counter<long> _requests;

    public GatewayRequestCounter(IMeterFactory meterFactory) =>
        _requests = meterFactory.Create(GatewayMetrics.MeterName)
            .CreateCounter<long>(GatewayMetrics.Requests, "{request}", "HTTP requests the gateway answered, by status code");

    public void Count(int statusCode) =>
        _requests.Add(1, StatusTags[statusCode is >= 0 and < 600 ? statusCode : 0]);
}
