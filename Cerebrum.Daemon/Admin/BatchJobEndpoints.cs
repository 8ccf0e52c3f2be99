using System.Text.Json;
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Market;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// <c>/market/jobs</c>: this daemon's batch jobs (<c>cerebrum job submit|list|status|cancel</c>). A submission names
/// files on the daemon's host, which the daemon reads and writes with its own rights: the route is behind the admin
/// cookie like every admin route, and the files are checked (absolute, existing folder, size, every line) before the
/// job is recorded. Bad input is a 400 naming the problem; the daemon never runs a job it could not check.
/// </summary>
public static class BatchJobEndpoints
{
    public static IEndpointRouteBuilder MapBatchJobEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(AdminRoutes.MarketJobs, async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (JobsOf(http) is not { } jobs) return NotStarted();
            BatchJobRequest? request;
            try
            {
                request = await http.Request.ReadFromJsonAsync(AdminJsonContext.Default.BatchJobRequest, cancellationToken);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                request = null;
            }
            if (request is null || request.Model is null || request.Input is null || request.Output is null)
                return Error(StatusCodes.Status400BadRequest, "the body must be {\"model\": NAME|HASH, \"input\": PATH, \"output\": PATH, \"maxPrice\": N?, \"lease\": ID?}");
            try
            {
                var status = await jobs.SubmitAsync(new JobSubmission(request.Model, request.Input, request.Output, request.MaxPrice, request.Lease));
                return Results.Ok(Describe(status));
            }
            catch (JobException e)
            {
                return Error(StatusCodes.Status400BadRequest, e.Message);
            }
        });

        endpoints.MapGet(AdminRoutes.MarketJobs, (HttpContext http) =>
            JobsOf(http) is not { } jobs ? NotStarted() : Results.Ok(jobs.List().Select(Describe).ToList()));

        endpoints.MapGet(AdminRoutes.MarketJob, (HttpContext http, string id) =>
            JobsOf(http) is not { } jobs ? NotStarted()
            : jobs.Get(id) is { } status ? Results.Ok(Describe(status)) : Error(StatusCodes.Status404NotFound, $"no job {id} (cerebrum job list shows them)"));

        endpoints.MapPost(AdminRoutes.MarketJobCancel, (HttpContext http, string id) =>
            JobsOf(http) is not { } jobs ? NotStarted()
            : jobs.Cancel(id) is { } status ? Results.Ok(Describe(status)) : Error(StatusCodes.Status404NotFound, $"no job {id} (cerebrum job list shows them)"));
        return endpoints;
    }

    public static BatchJobResponse Describe(JobStatus status) => new(
        status.Id, status.Model, status.InputPath, status.OutputPath, status.State.ToString().ToLowerInvariant(), status.Total, status.Skipped, status.Done,
        status.Failed, status.InFlight, status.Remaining, status.Spent, status.RatePerSecond, status.Created.UtcDateTime, status.Finished?.UtcDateTime, status.Error,
        status.QuotedNodes, status.OfferedNodes);

    private static BatchJobs? JobsOf(HttpContext http) => http.RequestServices.GetService<BatchJobService>()?.Jobs;

    private static IResult NotStarted() => Error(StatusCodes.Status503ServiceUnavailable, "the daemon's batch jobs have not started yet");

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), statusCode: status);
}
