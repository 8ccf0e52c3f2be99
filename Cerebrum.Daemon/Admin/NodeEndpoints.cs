using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /models</c> and <c>GET /jobs</c>: what node mode serves and how many jobs it answered (404 outside node mode).</summary>
public static class NodeEndpoints
{
    public static IEndpointRouteBuilder MapNodeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.Models, (IServiceProvider services) =>
        {
            if (services.GetService<NodeService>() is not { } node)
                return NotNode();
            var engine = node.Engine;
            return Results.Ok(engine.Models.Select(m =>
            {
                var statistics = engine.Statistics(m.Hash);
                return new ModelResponse(m.Hash, m.Name, m.SizeBytes, m.Opset, m.Task, Describe(m.Inputs), Describe(m.Outputs),
                    statistics.QueueDepth, statistics.Running, statistics.MaxConcurrency);
            }).ToList());
        });
        endpoints.MapGet(AdminRoutes.Jobs, (IServiceProvider services) =>
        {
            if (services.GetService<NodeService>() is not { } node)
                return NotNode();
            var jobs = node.Jobs;
            return Results.Ok(new JobsResponse(jobs.Served, jobs.Failed.ToDictionary(f => InferenceErrorCodes.Name(f.Key), f => f.Value), jobs.InFlight));
        });
        return endpoints;
    }

    private static List<TensorResponse> Describe(IReadOnlyList<TensorSignature> tensors) =>
        [.. tensors.Select(TensorResponse.Of)];

    private static IResult NotNode() => Results.Json(
        new AdminError("this daemon does not run in node mode; start it with 'cerebrumd run --mode node'"), statusCode: StatusCodes.Status404NotFound);
}
