namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// The "Telemetry" section: distributed tracing with OpenTelemetry, exported over OTLP to a collector (Jaeger, Tempo,
/// the OpenTelemetry Collector, …). Off by default. Metrics are not here: they are scraped from the admin API's /metrics.
/// </summary>
public sealed record TelemetryOptions
{
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>Records and exports spans when true.</summary>
    public bool Enabled { get; init; }

    /// <summary>The collector's OTLP endpoint; null or empty for the protocol's default, http://localhost:4317 for gRPC, http://localhost:4318 for HTTP (whose /v1/traces path is added when the URL has none).</summary>
    public string? Endpoint { get; init; }

    /// <summary>"grpc" (the OTLP default, port 4317) or "http/protobuf" (port 4318).</summary>
    public string Protocol { get; init; } = Grpc;

    /// <summary>The share of traces recorded, 0 to 1, decided where a trace starts (the gateway); a node follows the decision carried by the request.</summary>
    public double SamplingRatio { get; init; } = 1.0;

    /// <summary>The <c>service.name</c> every span is exported under; the peer ID is its <c>service.instance.id</c>.</summary>
    public string ServiceName { get; init; } = "cerebrumd";

    /// <summary>How often the finished spans are sent to the collector (in batches of at most 512, sooner when 512 wait; spans beyond a queue of 2,048 are dropped, never blocking a request).</summary>
    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The default endpoint of <see cref="Protocol"/> when <see cref="Endpoint"/> is not set.</summary>
    public Uri ResolveEndpoint()
    {
        var endpoint = new Uri(string.IsNullOrEmpty(Endpoint) ? (Protocol == HttpProtobuf ? "http://localhost:4318" : "http://localhost:4317") : Endpoint);
        return Protocol == HttpProtobuf && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "/v1/traces") : endpoint;
    }
}
