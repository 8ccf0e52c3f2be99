using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Verification;
using Cerebrum.Daemon.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cerebrum.Daemon.Telemetry;

/// <summary>
/// Wires OpenTelemetry tracing into the daemon when <c>Telemetry:Enabled</c>: a tracer provider (started and flushed with
/// the host) listening to Core's activity sources and to ASP.NET Core's requests on the gateway API, sampling at the
/// trace's root and following a caller's decision (parent-based), exporting over OTLP in batches. Off, nothing is
/// registered, so no activity source has a listener and Core creates no span.
/// </summary>
public static class DaemonTracing
{
    /// <summary>The activity sources of Core's layers that the provider records.</summary>
    public static readonly IReadOnlyList<string> Sources = [GatewayTracing.SourceName, InferenceTracing.SourceName, ConsensusTracing.SourceName, VerificationTracing.SourceName];

    /// <param name="exporters">Replaces the OTLP exporter (the tests export to memory); null exports to <see cref="TelemetryOptions.Endpoint"/>.</param>
    public static void Add(IServiceCollection services, TelemetryOptions options, PeerId peerId, Action<TracerProviderBuilder>? exporters = null)
    {
        if (!options.Enabled) return;
        services.AddOpenTelemetry().WithTracing(tracing => Configure(tracing, options, peerId, exporters));
    }

    /// <summary>The daemon's tracing on any builder (also the gateway benchmark's, which switches tracing on and off in one process).</summary>
    /// <param name="exporters">Replaces the OTLP exporter; null exports to <see cref="TelemetryOptions.Endpoint"/>.</param>
    public static TracerProviderBuilder Configure(TracerProviderBuilder tracing, TelemetryOptions options, PeerId peerId, Action<TracerProviderBuilder>? exporters = null)
    {
        tracing.ConfigureResource(resource => resource.AddService(options.ServiceName, serviceVersion: DaemonVersion.Version, serviceInstanceId: peerId.ToString()))
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SamplingRatio)))
            .AddSource([.. Sources])
            // The gateway's API only: the admin API (the dashboard polls it every 3 s) is not worth a trace.
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = IsGatewayApi);
        if (exporters is not null)
        {
            exporters(tracing);
            return tracing;
        }
        return tracing.AddOtlpExporter(otlp =>
        {
            otlp.Endpoint = options.ResolveEndpoint();
            otlp.Protocol = options.Protocol == TelemetryOptions.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            otlp.ExportProcessorType = ExportProcessorType.Batch;
            otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
        });
    }

    private static bool IsGatewayApi(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) || context.Request.Path.StartsWithSegments("/v2", StringComparison.Ordinal);
}
