using System.Net;
using Cerebrum.Daemon.Cloud;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// The gateway's own Kestrel server, separate from the loopback admin API: its endpoint (<c>Gateway:Http</c>), a body
/// size limit, API-key authentication, JSON errors for anything unexpected, the KServe and OpenAI endpoint groups and
/// the OpenAPI document at <c>/openapi/v1.json</c>, and Cerebrum Cloud (the public web app) under <c>/cloud/</c>.
/// </summary>
public static class GatewayHttpServer
{
    public static WebApplication Create(GatewayService gateway, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        // The daemon's logger factory, so the gateway's logs go where the daemon's go (the container does not own it).
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = GatewayRequestReader.DrainLimit(gateway.Options.MaxRequestBytes);
            kestrel.Listen(IPEndPoint.Parse(gateway.Options.Http));
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Relaxed));
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Cerebrum gateway";
            document.Info.Description = "The Open Inference Protocol (KServe v2 REST) and an OpenAI-compatible embeddings API over the Cerebrum network. "
                + "Every request needs 'Authorization: Bearer <key>' unless the gateway runs with --open; errors are JSON with a message.";
            return Task.CompletedTask;
        }).AddOperationTransformer(DocumentedRequestBody.TransformAsync));

        var app = builder.Build();
        var logger = loggerFactory.CreateLogger("Cerebrum.Daemon.Gateway.Http");
        var requests = new GatewayRequestCounter(gateway.MeterFactory);
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                requests.Count(context.Response.StatusCode);
            }
        });
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody is left to answer.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                logger.LogError(e, "Gateway request {Method} {Path} failed", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                await GatewayErrors.WriteAsync(context, Core.Gateway.GatewayErrorKind.Internal, $"internal gateway error: {e.Message}");
            }
        });
        app.UseGatewayApiKeys(gateway, gateway.Options.Open, gateway.Time);
        app.MapOpenApi();
        app.MapKServeEndpoints(gateway);
        app.MapOpenAiEndpoints(gateway);
        app.MapCloudEndpoints(gateway, gateway.Catalog);
        app.MapFallback((HttpContext context) => GatewayErrors.Result(context, Core.Gateway.GatewayErrorKind.NotFound,
            $"no endpoint {context.Request.Method} {context.Request.Path}; see /openapi/v1.json"));
        return app;
    }

    public static Uri BoundUrl(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the gateway HTTP server did not report its address");
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
