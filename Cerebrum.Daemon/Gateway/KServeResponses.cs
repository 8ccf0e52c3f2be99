using System.Text.Json.Serialization;

namespace Cerebrum.Daemon.Gateway;

// The Open Inference Protocol (KServe v2) REST bodies the gateway answers with; names as the specification spells them.

/// <summary><c>GET /v2</c>: the server metadata response.</summary>
public sealed record ServerMetadataResponse(string Name, string Version, IReadOnlyList<string> Extensions);

/// <summary><c>GET /v2/health/live</c>.</summary>
public sealed record ServerLiveResponse(bool Live);

/// <summary><c>GET /v2/health/ready</c>.</summary>
public sealed record ServerReadyResponse(bool Ready);

/// <summary><c>GET /v2/models/{name}/ready</c>.</summary>
public sealed record ModelReadyResponse(string Name, bool Ready);

/// <summary>One input or output in the model metadata response; -1 in <see cref="Shape"/> is a dynamic dimension.</summary>
public sealed record MetadataTensor(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary><c>GET /v2/models/{name}</c>: the model metadata response.</summary>
public sealed record ModelMetadataResponse(
    string Name,
    IReadOnlyList<string> Versions,
    string Platform,
    IReadOnlyList<MetadataTensor> Inputs,
    IReadOnlyList<MetadataTensor> Outputs);

/// <summary>The inference request body, as documented in the OpenAPI document (the gateway parses it itself, to report precise errors).</summary>
public sealed record InferRequestBody(
    string? Id,
    IReadOnlyList<InferRequestTensor> Inputs,
    IReadOnlyList<InferRequestedOutput>? Outputs);

public sealed record InferRequestTensor(string Name, IReadOnlyList<long> Shape, string Datatype, IReadOnlyList<double> Data);

public sealed record InferRequestedOutput(string Name);

/// <summary>The inference response body (written by <c>KServeJson</c>; this type documents it).</summary>
public sealed record InferResponseBody(
    [property: JsonPropertyName("model_name")] string ModelName,
    string Id,
    IReadOnlyList<InferRequestTensor> Outputs);

/// <summary>Every KServe endpoint's error body: <c>{"error": "..."}</c>.</summary>
public sealed record KServeErrorResponse(string Error);
