using System.Globalization;
using Cerebrum.Core.Gateway;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Writes the gateway's errors as JSON with the status of their kind: the OpenAI shape
/// (<c>{"error":{"message","type","code"}}</c>) under <c>/v1/</c>, where OpenAI SDKs read it, and the KServe shape
/// (<c>{"error":"..."}</c>) everywhere else. A 429 carries Retry-After in whole seconds.
/// </summary>
public static class GatewayErrors
{
    public static int StatusCode(GatewayErrorKind kind) => kind switch
    {
        GatewayErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        GatewayErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        GatewayErrorKind.BudgetExhausted => StatusCodes.Status402PaymentRequired,
        GatewayErrorKind.UnknownModel or GatewayErrorKind.NotFound => StatusCodes.Status404NotFound,
        GatewayErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        GatewayErrorKind.RateLimited or GatewayErrorKind.NoCapacity => StatusCodes.Status429TooManyRequests,
        GatewayErrorKind.NoNode => StatusCodes.Status503ServiceUnavailable,
        GatewayErrorKind.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult Result(HttpContext context, GatewayException error) => Result(context, error.Kind, error.Message, error.RetryAfter);

    public static IResult Result(HttpContext context, GatewayErrorKind kind, string message, TimeSpan? retryAfter = null)
    {
        var status = StatusCode(kind);
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (kind == GatewayErrorKind.Unauthorized)
            context.Response.Headers.WWWAuthenticate = "Bearer";
        return IsOpenAi(context.Request)
            ? Results.Json(new OpenAiErrorResponse(new OpenAiError(message, OpenAiType(kind), Code(kind))), GatewayJsonContext.Relaxed.OpenAiErrorResponse, statusCode: status)
            : Results.Json(new KServeErrorResponse(message), GatewayJsonContext.Relaxed.KServeErrorResponse, statusCode: status);
    }

    public static Task WriteAsync(HttpContext context, GatewayErrorKind kind, string message, TimeSpan? retryAfter = null) =>
        Result(context, kind, message, retryAfter).ExecuteAsync(context);

    private static bool IsOpenAi(HttpRequest request) => request.Path.StartsWithSegments("/v1", StringComparison.Ordinal);

    private static string OpenAiType(GatewayErrorKind kind) => kind switch
    {
        GatewayErrorKind.BadRequest or GatewayErrorKind.PayloadTooLarge or GatewayErrorKind.UnknownModel or GatewayErrorKind.NotFound => "invalid_request_error",
        GatewayErrorKind.Unauthorized => "authentication_error",
        GatewayErrorKind.BudgetExhausted => "insufficient_quota",
        GatewayErrorKind.RateLimited or GatewayErrorKind.NoCapacity => "rate_limit_error",
        _ => "server_error",
    };

    private static string Code(GatewayErrorKind kind) => kind switch
    {
        GatewayErrorKind.BadRequest => "bad_request",
        GatewayErrorKind.Unauthorized => "invalid_api_key",
        GatewayErrorKind.BudgetExhausted => "insufficient_quota",
        GatewayErrorKind.UnknownModel => "model_not_found",
        GatewayErrorKind.PayloadTooLarge => "payload_too_large",
        GatewayErrorKind.RateLimited => "rate_limited",
        GatewayErrorKind.NoCapacity => "no_capacity",
        GatewayErrorKind.NoNode => "no_node",
        GatewayErrorKind.DeadlineExceeded => "deadline_exceeded",
        GatewayErrorKind.NotFound => "not_found",
        _ => "internal",
    };
}
