using System.Runtime.InteropServices;
using System.Text.Json;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Embedding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// The OpenAI-compatible subset: <c>GET /v1/models</c> and <c>POST /v1/embeddings</c>, so that an app using an OpenAI SDK
/// switches to Cerebrum by changing its base URL. <c>model</c> is the model's name as nodes announce it.
/// </summary>
public static class OpenAiEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder endpoints, GatewayService gateway)
    {
        var v1 = endpoints.MapGroup("/v1").WithTags("OpenAI-compatible");
        v1.MapGet("/models", () => Results.Json(
                new OpenAiModelList("list", [.. gateway.Table.Models.Select(m => new OpenAiModel(m.Name, "model", 0, "cerebrum"))]),
                GatewayJsonContext.Relaxed.OpenAiModelList))
            .Produces<OpenAiModelList>();
        v1.MapPost("/embeddings", (Func<HttpContext, Task<IResult>>)(context => EmbeddingsAsync(gateway, context)))
            .WithMetadata(new DocumentedRequestBody(typeof(OpenAiEmbeddingRequest)))
            .Produces<OpenAiEmbeddingList>()
            .Produces<OpenAiErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status429TooManyRequests)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status504GatewayTimeout);
        return endpoints;
    }

    private static async Task<IResult> EmbeddingsAsync(GatewayService gateway, HttpContext context)
    {
        try
        {
            var deadline = GatewayRequestReader.Deadline(context.Request, gateway.Options.RequestTimeout, gateway.Time.GetUtcNow());
            var body = await GatewayRequestReader.ReadBodyAsync(context.Request, gateway.Options.MaxRequestBytes, context.RequestAborted);
            var (model, texts, base64, dimensions) = ParseRequest(body, gateway.Options.MaxEmbeddingInputs);
            if (gateway.Table.Routes(model).Count == 0)
                gateway.WantModel(model); // the embedder answers "not served"; the DHT may know a node for the next request
            var result = await gateway.Embedder.EmbedAsync(model, texts, deadline, context.RequestAborted);
            if (dimensions is { } wanted && result.Vectors.Length > 0 && result.Vectors[0].Length != wanted)
                throw new GatewayException(GatewayErrorKind.BadRequest, $"model '{model}' makes {result.Vectors[0].Length}-dimensional embeddings; 'dimensions' {wanted} is not supported");
            JobHeaders.Add(context.Response, result.Run);
            return Results.Bytes(WriteResponse(model, result, base64), "application/json");
        }
        catch (GatewayException e)
        {
            return GatewayErrors.Result(context, e);
        }
    }

    private static (string Model, List<string> Texts, bool Base64, int? Dimensions) ParseRequest(string body, int maxInputs)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw Bad($"the request body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            try
            {
                return ParseRequest(document.RootElement, maxInputs);
            }
            catch (InvalidOperationException e)
            {
                // Escapes can spell lone surrogates ("\ud800"), which JsonElement refuses to read as a string: the client's error.
                throw Bad($"the request body holds a string that is not valid UTF-16: {e.Message}");
            }
        }
    }

    private static (string Model, List<string> Texts, bool Base64, int? Dimensions) ParseRequest(JsonElement root, int maxInputs)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Bad("the request body must be a JSON object with 'model' and 'input'");
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } name
            ? name : throw Bad("'model' must be the name of an embedding model (see GET /v1/models)");
        if (!root.TryGetProperty("input", out var input))
            throw Bad("'input' is missing: give a string or an array of strings");
        List<string> texts = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array => [.. input.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String
                ? e.GetString()!
                : throw Bad($"input[{i}] must be a string (token arrays are not supported)"))],
            _ => throw Bad("'input' must be a string or an array of strings"),
        };
        if (texts.Count == 0)
            throw Bad("'input' must hold at least one string");
        if (texts.Count > maxInputs)
            throw Bad($"'input' holds {texts.Count} strings; at most {maxInputs} are accepted per request");
        var base64 = false;
        if (root.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null)
        {
            base64 = format.ValueKind == JsonValueKind.String ? format.GetString() switch
            {
                "float" => false,
                "base64" => true,
                var other => throw Bad($"'encoding_format' must be 'float' or 'base64', not '{other}'"),
            } : throw Bad("'encoding_format' must be 'float' or 'base64'");
        }
        int? dimensions = null;
        if (root.TryGetProperty("dimensions", out var d) && d.ValueKind != JsonValueKind.Null)
            dimensions = d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var n) && n > 0 ? n : throw Bad("'dimensions' must be a positive integer");
        return (model, texts, base64, dimensions);
    }

    private static byte[] WriteResponse(string model, TextEmbeddings<DispatchResult> result, bool base64)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (var i = 0; i < result.Vectors.Length; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                if (base64)
                {
                    // Little-endian float32, as OpenAI's base64 encoding is (the SDKs decode it into a Float32Array).
                    writer.WriteBase64String("embedding", MemoryMarshal.AsBytes(result.Vectors[i].AsSpan()));
                }
                else
                {
                    writer.WriteStartArray("embedding");
                    foreach (var value in result.Vectors[i]) writer.WriteNumberValue(value);
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteString("model", model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", result.TokenCount);
            writer.WriteNumber("total_tokens", result.TokenCount);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static GatewayException Bad(string message) => new(GatewayErrorKind.BadRequest, message);
}
