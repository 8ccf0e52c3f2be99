using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cerebrum.Daemon.Gateway;

/// <summary>System.Text.Json source generation for the gateway's bodies: snake_case where the specifications say so, camelCase otherwise.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServerMetadataResponse))]
[JsonSerializable(typeof(ServerLiveResponse))]
[JsonSerializable(typeof(ServerReadyResponse))]
[JsonSerializable(typeof(ModelReadyResponse))]
[JsonSerializable(typeof(ModelMetadataResponse))]
[JsonSerializable(typeof(InferRequestBody))]
[JsonSerializable(typeof(InferResponseBody))]
[JsonSerializable(typeof(KServeErrorResponse))]
[JsonSerializable(typeof(OpenAiModelList))]
[JsonSerializable(typeof(OpenAiEmbeddingRequest))]
[JsonSerializable(typeof(OpenAiEmbeddingList))]
[JsonSerializable(typeof(OpenAiErrorResponse))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext
{
    /// <summary>The context the gateway writes with: messages keep their quotes readable ('x', not \u0027x\u0027).</summary>
    public static GatewayJsonContext Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
