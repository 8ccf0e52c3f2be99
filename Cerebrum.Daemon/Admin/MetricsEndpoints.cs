using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /metrics</c>: the daemon's metrics in the Prometheus text format, behind the admin authentication.</summary>
public static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.Metrics, (PrometheusExporter exporter) =>
            Results.Text(PrometheusTextWriter.Write(exporter.Collect()), PrometheusTextWriter.ContentType));
        return endpoints;
    }
}
