using System.Collections.Concurrent;
using System.Net;
using Cerebrum.Tests.Daemon.Telemetry.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Tests.Daemon.Telemetry;

/// <summary>
/// A minimal OpenTelemetry collector on 127.0.0.1 speaking OTLP/HTTP with protobuf bodies (POST /v1/traces), keeping
/// every span it receives with its resource's attributes, so a daemon in another process can be traced by a test.
/// </summary>
internal sealed class OtlpTraceCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpTraceCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<CollectedSpan> Spans { get; } = new();

    /// <summary>The base URL (http://127.0.0.1:port) for Telemetry:Endpoint with protocol http/protobuf.</summary>
    public string Endpoint { get; private set; } = "";

    public static async Task<OtlpTraceCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var collector = new OtlpTraceCollector(app);
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
            foreach (var resourceSpans in request.ResourceSpans)
            {
                var resource = resourceSpans.Resource?.Attributes.ToDictionary(a => a.Key, a => a.Value?.StringValue ?? "") ?? [];
                foreach (var span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans))
                    collector.Spans.Enqueue(new CollectedSpan(span, resource));
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        collector.Endpoint = Cerebrum.Daemon.Gateway.GatewayHttpServer.BoundUrl(app).ToString().TrimEnd('/');
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One span as OTLP carried it: ids in lowercase hex, as <see cref="System.Diagnostics.ActivityTraceId.ToHexString"/> writes them.</summary>
internal sealed record CollectedSpan(Span Span, IReadOnlyDictionary<string, string> Resource)
{
    public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

    public string SpanId => Convert.ToHexStringLower(Span.SpanId.Span);

    public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

    public string Name => Span.Name;

    public string? Attribute(string key) => Span.Attributes.FirstOrDefault(a => a.Key == key)?.Value?.StringValue;
}
