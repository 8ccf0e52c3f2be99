using System.Net;
using System.Text.Json;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Daemon.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Bench.Gateway;

/// <summary>
/// The baseline: one ASP.NET Core process running ONNX Runtime itself, with the same two endpoints as the gateway and
/// the same JSON and embedding pipeline and the same Server-Timing header, but no network hop, routing or receipts.
/// </summary>
internal static class BaselineServer
{
    public static WebApplication Create(InferenceEngine engine, TextEmbeddingPipeline pipeline)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v2/models/{name}/infer", async (string name, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var parsed = KServeJson.ParseRequest(await reader.ReadToEndAsync());
            var result = await engine.RunAsync(new InferenceRequest(name, parsed.Inputs, DateTimeOffset.UtcNow.AddSeconds(30)));
            request.HttpContext.Response.Headers[ServerTimingHeader.Name] = ServerTimingHeader.Format(result.QueueTime, result.ComputeTime);
            return Results.Text(KServeJson.FormatOutputs(name, parsed.Id ?? "", result.Outputs), "application/json");
        });
        app.MapPost("/v1/embeddings", async (HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            var model = document.RootElement.GetProperty("model").GetString()!;
            var texts = document.RootElement.GetProperty("input") is { ValueKind: JsonValueKind.String } one
                ? [one.GetString()!] : document.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToList();
            var embedded = await pipeline.EmbedAsync(texts, (inputs, ct) => engine.RunAsync(new InferenceRequest(model, inputs, DateTimeOffset.UtcNow.AddSeconds(30)), ct),
                r => r.Outputs, CancellationToken.None);
            request.HttpContext.Response.Headers[ServerTimingHeader.Name] = ServerTimingHeader.Format(embedded.Run.QueueTime, embedded.Run.ComputeTime);
            var vectors = embedded.Vectors;
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("object", "list");
                writer.WriteStartArray("data");
                for (var i = 0; i < vectors.Length; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteString("object", "embedding");
                    writer.WriteNumber("index", i);
                    writer.WriteStartArray("embedding");
                    foreach (var v in vectors[i]) writer.WriteNumberValue(v);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteString("model", model);
                writer.WriteEndObject();
            }
            return Results.Bytes(buffer.ToArray(), "application/json");
        });
        return app;
    }
}
