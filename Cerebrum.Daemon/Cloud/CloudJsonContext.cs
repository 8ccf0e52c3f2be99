using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cerebrum.Daemon.Cloud;

/// <summary>System.Text.Json source generation for Cerebrum Cloud's JSON endpoints (web defaults: camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CloudOverview))]
[JsonSerializable(typeof(List<CloudModel>))]
[JsonSerializable(typeof(List<CloudNode>))]
[JsonSerializable(typeof(CloudKey))]
[JsonSerializable(typeof(IReadOnlyList<CloudOffer>))]
[JsonSerializable(typeof(IReadOnlyList<CloudLease>))]
[JsonSerializable(typeof(CloudUsage))]
[JsonSerializable(typeof(CloudKeyRequest))]
[JsonSerializable(typeof(CloudCreatedKey))]
internal sealed partial class CloudJsonContext : JsonSerializerContext
{
    /// <summary>Writes text as it is ('x', not \u0027x\u0027); the page sets every value as text, never as markup.</summary>
    public static CloudJsonContext Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
