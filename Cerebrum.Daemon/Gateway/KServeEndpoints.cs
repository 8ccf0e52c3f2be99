using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Tensors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// The Open Inference Protocol (KServe v2) REST API: server and model health, metadata, and inference with JSON
/// tensors. Models are the ones nodes announce on <c>cerebrum/1/status</c>, by name or sha256 hash.
/// </summary>
public static class KServeEndpoints
{
    /// <summary>The platform string of the model metadata response: every model runs on ONNX Runtime.</summary>
    public const string Platform = "onnxruntime_onnx";

    public static IEndpointRouteBuilder MapKServeEndpoints(this IEndpointRouteBuilder endpoints, GatewayService gateway)
    {
        var v2 = endpoints.MapGroup("/v2").WithTags("KServe v2");
        v2.MapGet("", () => Results.Json(new ServerMetadataResponse("cerebrum-gateway", DaemonVersion.Version, []), GatewayJsonContext.Relaxed.ServerMetadataResponse))
            .Produces<ServerMetadataResponse>();
        v2.MapGet("/health/live", () => Results.Json(new ServerLiveResponse(true), GatewayJsonContext.Relaxed.ServerLiveResponse))
            .Produces<ServerLiveResponse>();
        v2.MapGet("/health/ready", () =>
        {
            // Ready for inferencing once at least one node announces a model.
            var ready = gateway.Table.Models.Count > 0;
            return Results.Json(new ServerReadyResponse(ready), GatewayJsonContext.Relaxed.ServerReadyResponse,
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).Produces<ServerReadyResponse>().Produces<ServerReadyResponse>(StatusCodes.Status503ServiceUnavailable);
        v2.MapGet("/models/{name}", (string name, HttpContext context) =>
        {
            if (gateway.Table.FindModel(name) is not { } model)
                return GatewayErrors.Result(context, GatewayErrorKind.UnknownModel, UnknownModel(name));
            return Results.Json(new ModelMetadataResponse(name, [], Platform, Describe(model.Inputs), Describe(model.Outputs)),
                GatewayJsonContext.Relaxed.ModelMetadataResponse);
        }).Produces<ModelMetadataResponse>().Produces<KServeErrorResponse>(StatusCodes.Status404NotFound);
        v2.MapGet("/models/{name}/ready", (string name, HttpContext context) =>
        {
            var routes = gateway.Table.Routes(name);
            if (routes.Count == 0 && !gateway.Table.HasSeen(name))
                return GatewayErrors.Result(context, GatewayErrorKind.UnknownModel, UnknownModel(name));
            var now = gateway.Time.GetUtcNow();
            var ready = routes.Any(r => r.Breaker.IsAvailable(now) && gateway.IsConnected(r.Node));
            return Results.Json(new ModelReadyResponse(name, ready), GatewayJsonContext.Relaxed.ModelReadyResponse,
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).Produces<ModelReadyResponse>().Produces<ModelReadyResponse>(StatusCodes.Status503ServiceUnavailable).Produces<KServeErrorResponse>(StatusCodes.Status404NotFound);
        // Another method on the infer route is that route's 405, not "no endpoint".
        v2.MapMethods("/models/{name}/infer", [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch], (HttpContext context) =>
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            return Results.Json(new KServeErrorResponse($"{context.Request.Method} is not allowed on {context.Request.Path}; send the request with POST"),
                GatewayJsonContext.Relaxed.KServeErrorResponse, statusCode: StatusCodes.Status405MethodNotAllowed);
        }).ExcludeFromDescription();
        v2.MapPost("/models/{name}/infer", (string name, HttpContext context) => InferAsync(gateway, name, context))
            .WithMetadata(new DocumentedRequestBody(typeof(InferRequestBody)))
            .Produces<InferResponseBody>()
            .Produces<KServeErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<KServeErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<KServeErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<KServeErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<KServeErrorResponse>(StatusCodes.Status429TooManyRequests)
            .Produces<KServeErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<KServeErrorResponse>(StatusCodes.Status504GatewayTimeout);
        return endpoints;
    }

    private static async Task<IResult> InferAsync(GatewayService gateway, string name, HttpContext context)
    {
        try
        {
            // The model first: an unknown model is 404 whatever the body holds (issue 16 item 6).
            if (gateway.Table.Routes(name).Count == 0)
            {
                gateway.WantModel(name);
                throw gateway.Table.NotServed(name);
            }
            var deadline = GatewayRequestReader.Deadline(context.Request, gateway.Options.RequestTimeout, gateway.Time.GetUtcNow());
            var body = await GatewayRequestReader.ReadUtf8BodyAsync(context.Request, gateway.Options.MaxRequestBytes, context.RequestAborted);
            KServeInferRequest request;
            try
            {
                request = KServeJson.ParseRequest(body.Span);
            }
            catch (FormatException e)
            {
                throw new GatewayException(GatewayErrorKind.BadRequest, e.Message);
            }
            if (request.RequestedOutputs is { } requested && gateway.Table.FindModel(name) is { Outputs.Count: > 0 } model
                && requested.FirstOrDefault(r => model.Outputs.All(o => o.Name != r)) is { } unknownOutput)
            {
                throw new GatewayException(GatewayErrorKind.BadRequest,
                    $"model '{name}' has no output '{unknownOutput}' (outputs: {string.Join(", ", model.Outputs.Select(o => o.Name))})");
            }
            var dispatch = await gateway.Dispatcher.DispatchAsync(name, request.Inputs, deadline, context.RequestAborted);
            var outputs = request.RequestedOutputs is { } names
                ? [.. dispatch.Result.Outputs.Where(o => names.Contains(o.Name, StringComparer.Ordinal))]
                : dispatch.Result.Outputs;
            JobHeaders.Add(context.Response, dispatch);
            return Results.Text(KServeJson.FormatOutputs(name, request.Id ?? dispatch.Result.JobId, outputs), "application/json");
        }
        catch (GatewayException e)
        {
            return GatewayErrors.Result(context, e);
        }
    }

    private static List<MetadataTensor> Describe(IReadOnlyList<TensorSignature> tensors) =>
        [.. tensors.Select(t => new MetadataTensor(t.Name, TensorDataTypes.ToKServeName(t.DataType), t.Dimensions))];

    private static string UnknownModel(string name) => $"unknown model '{name}': no node on the network announces it";
}
