using System.Text.Json.Serialization;

namespace Cerebrum.Daemon.Gateway;

// The OpenAI-compatible bodies (the subset of the OpenAI API the gateway implements).

/// <summary><c>GET /v1/models</c>.</summary>
public sealed record OpenAiModelList(string Object, IReadOnlyList<OpenAiModel> Data);

public sealed record OpenAiModel(string Id, string Object, long Created, [property: JsonPropertyName("owned_by")] string OwnedBy);

/// <summary>The body of <c>POST /v1/embeddings</c> as documented; <c>input</c> is a string or an array of strings.</summary>
public sealed record OpenAiEmbeddingRequest(
    object Input,
    string Model,
    [property: JsonPropertyName("encoding_format")] string? EncodingFormat,
    string? User);

/// <summary>The response of <c>POST /v1/embeddings</c>; <c>embedding</c> is an array of numbers, or base64 of little-endian float32 when asked.</summary>
public sealed record OpenAiEmbeddingList(string Object, IReadOnlyList<OpenAiEmbedding> Data, string Model, OpenAiUsage Usage);

public sealed record OpenAiEmbedding(string Object, int Index, IReadOnlyList<float> Embedding);

public sealed record OpenAiUsage([property: JsonPropertyName("prompt_tokens")] int PromptTokens, [property: JsonPropertyName("total_tokens")] int TotalTokens);

/// <summary>The OpenAI error body: <c>{"error": {"message", "type", "code"}}</c>, which OpenAI SDKs surface.</summary>
public sealed record OpenAiErrorResponse(OpenAiError Error);

public sealed record OpenAiError(string Message, string Type, string? Code);
