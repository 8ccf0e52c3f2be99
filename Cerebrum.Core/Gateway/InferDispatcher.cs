using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Turns one request into a job on a node: picks a route with the <see cref="NodeSelector"/>, runs the attempt, and when
/// the node fails, disconnects, times out or is busy, tries another node, until one answers, the deadline passes or no
/// node is left. Every way out is an answer or a <see cref="GatewayException"/> saying why; nothing is dropped silently.
/// The outcome of each attempt feeds the route's latency average and circuit breaker.
/// </summary>
public sealed class InferDispatcher
{
    private readonly RoutingTable _table;
    private readonly NodeSelector _selector;
    private readonly IInferNodeClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RoutingOptions _options;
    private readonly InferDispatcherInstruments? _instruments;

    /// <param name="meterFactory">Publishes the dispatcher's <see cref="GatewayMetrics"/>; null publishes none.</param>
    public InferDispatcher(RoutingTable table, NodeSelector selector, IInferNodeClient client, TimeProvider time, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        _table = table;
        _selector = selector;
        _client = client;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _options = table.Options;
        _instruments = InferDispatcherInstruments.Create(meterFactory);
    }

    /// <summary>Where answered requests are sampled for a second run (Gateway:SecondRuns); null samples none.</summary>
    public SecondRunQueue? SecondRuns { get; set; }

    /// <exception cref="GatewayException">The request cannot be answered (unknown model, bad input, no node, no capacity, deadline).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the client went away).</exception>
    public async Task<DispatchResult> DispatchAsync(string model, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var span = GatewayTracing.Source.StartActivity(GatewayTracing.Dispatch);
        if (_instruments is null && span is null)
            return await DispatchUnmeteredAsync(model, inputs, deadline, cancellationToken).ConfigureAwait(false);
        // A span sampled out still carries the trace context (so the node follows the decision) but records no tags.
        var tags = span is { IsAllDataRequested: true } ? span : null;
        tags?.SetTag(ModelTag, model);
        var started = _time.GetTimestamp();
        try
        {
            var result = await DispatchUnmeteredAsync(model, inputs, deadline, cancellationToken).ConfigureAwait(false);
            _instruments?.Record(null, cancelled: false, _time.GetElapsedTime(started));
            tags?.SetTag(OutcomeTag, InferDispatcherInstruments.OutcomeName(null, cancelled: false));
            tags?.SetTag(AttemptsTag, result.Attempts);
            tags?.SetTag(NodeTag, result.Node.ToString());
            return result;
        }
        catch (GatewayException e)
        {
            _instruments?.Record(e.Kind, cancelled: false, _time.GetElapsedTime(started));
            tags?.SetTag(OutcomeTag, InferDispatcherInstruments.OutcomeName(e.Kind, cancelled: false));
            tags?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            _instruments?.Record(null, cancelled: true, _time.GetElapsedTime(started));
            tags?.SetTag(OutcomeTag, InferDispatcherInstruments.OutcomeName(null, cancelled: true));
            throw;
        }
    }

    private async Task<DispatchResult> DispatchUnmeteredAsync(string model, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var tried = new HashSet<PeerId>();
        var attempts = 0;
        var busy = 0;
        string? lastFailure = null;
        var deadlineReached = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetUtcNow();
            // A timer may fire a hair before the clock reads the deadline; an attempt cut by it ends the request all the same.
            if (deadlineReached || now >= deadline)
                throw new GatewayException(GatewayErrorKind.DeadlineExceeded, DeadlineMessage(model, attempts, lastFailure));
            var routes = _table.Routes(model);
            if (routes.Count == 0)
                throw _table.NotServed(model);
            if (attempts >= _options.MaxAttempts)
                throw new GatewayException(GatewayErrorKind.NoNode, $"{attempts} node(s) serving model '{model}' failed; last: {lastFailure}");
            NodeRoute? route;
            using (var selecting = GatewayTracing.Source.StartActivity(GatewayTracing.Select))
            {
                route = _selector.Select(routes, tried, _options.MaxOutstandingPerNode, now, _options.RegisteredShare);
                if (selecting is { IsAllDataRequested: true })
                {
                    selecting.SetTag(RoutesTag, routes.Count);
                    selecting.SetTag(TriedTag, tried.Count);
                    if (route is not null) selecting.SetTag(NodeTag, route.Node.ToString());
                }
            }
            if (route is null)
                throw NothingSelectable(model, routes, tried, busy, lastFailure, now);

            tried.Add(route.Node);
            attempts++;
            var started = _time.GetTimestamp();
            var outcome = AttemptOutcome.Neutral;
            // The attempt's span is the current one while the job runs, so its context travels in the infer request.
            using var attempt = StartAttempt(route, attempts);
            var failureBefore = lastFailure;
            try
            {
                var remaining = deadline - now;
                using var attemptTimeout = new CancellationTokenSource(remaining < _options.AttemptTimeout ? remaining : _options.AttemptTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
                try
                {
                    var result = await _client.InferAsync(route.Node, route.Model.Hash, inputs, deadline, linked.Token).ConfigureAwait(false);
                    outcome = AttemptOutcome.Success;
                    // Sampled for a second run on another node: queued or dropped at once, never awaited.
                    SecondRuns?.Offer(route.Model.Hash, inputs, route.Node, result);
                    return new DispatchResult(result, route.Node, route.Model, attempts);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Only a node that outlasts the attempt timeout is failing; running out of the request's own deadline is not its fault.
                    var cutByDeadline = remaining < _options.AttemptTimeout;
                    deadlineReached = cutByDeadline;
                    outcome = cutByDeadline ? AttemptOutcome.Neutral : AttemptOutcome.Failure;
                    lastFailure = $"{route.Node} did not answer within {(cutByDeadline ? remaining : _options.AttemptTimeout).TotalMilliseconds:0} ms";
                }
                catch (InferCallException e) when (e.NodeError == InferenceErrorCode.BadInput)
                {
                    // The node is healthy; the request is wrong, and would be wrong on every node.
                    throw new GatewayException(GatewayErrorKind.BadRequest, StripCode(e.Message));
                }
                catch (InferCallException e) when (e.NodeError is InferenceErrorCode.Busy or InferenceErrorCode.ResourceExhausted or InferenceErrorCode.DeadlineExceeded)
                {
                    // A full queue or a spent byte budget is load, not a fault: neutral for the breaker, and another node may have room.
                    busy += e.NodeError is InferenceErrorCode.Busy or InferenceErrorCode.ResourceExhausted ? 1 : 0;
                    lastFailure = $"{route.Node}: {e.Message}";
                }
                catch (InferCallException e)
                {
                    outcome = AttemptOutcome.Failure;
                    lastFailure = $"{route.Node}: {e.Message}";
                }
            }
            finally
            {
                EndAttempt(attempt, outcome, ReferenceEquals(lastFailure, failureBefore) ? null : lastFailure);
                route.End();
                switch (outcome)
                {
                    case AttemptOutcome.Success: route.RecordSuccess(_time.GetElapsedTime(started)); break;
                    case AttemptOutcome.Failure: route.RecordFailure(_time.GetUtcNow()); break;
                    default: route.Breaker.RecordNeutral(); break;
                }
            }
            _logger.LogDebug("Attempt {Attempt} of a request for {Model} failed, trying another node: {Reason}", attempts, model, lastFailure);
        }
    }

    private static Activity? StartAttempt(NodeRoute route, int attempt)
    {
        var span = GatewayTracing.Source.StartActivity(GatewayTracing.Attempt, ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(NodeTag, route.Node.ToString());
            span.SetTag(AttemptTag, attempt);
        }
        return span;
    }

    /// <param name="failure">Why this attempt failed and another is made; null for a success or a request-level error (bad input, cancelled), which the dispatch span reports.</param>
    private static void EndAttempt(Activity? span, AttemptOutcome outcome, string? failure)
    {
        if (span is null) return;
        span.SetTag(OutcomeTag, outcome == AttemptOutcome.Success ? "ok" : "failed");
        if (failure is not null)
            span.SetStatus(ActivityStatusCode.Error, failure);
        span.Stop();
    }

    private GatewayException NothingSelectable(string model, IReadOnlyList<NodeRoute> routes, HashSet<PeerId> tried, int busy, string? lastFailure, DateTimeOffset now)
    {
        var untried = routes.Where(r => !tried.Contains(r.Node)).ToList();
        var saturated = untried.Count(r => r.Outstanding >= _options.MaxOutstandingPerNode && r.Breaker.IsAvailable(now));
        if (saturated > 0 || (busy > 0 && untried.All(r => !r.Breaker.IsAvailable(now))))
        {
            return new GatewayException(GatewayErrorKind.NoCapacity,
                $"every node serving model '{model}' is at capacity; retry after {_options.RetryAfter.TotalSeconds:0.#} s", _options.RetryAfter);
        }
        if (tried.Count == 0)
            return new GatewayException(GatewayErrorKind.NoNode, $"no node serving model '{model}' is answering: {routes.Count} node(s) failed recently and are skipped until they recover");
        return new GatewayException(GatewayErrorKind.NoNode, $"no node serving model '{model}' could answer ({tried.Count} tried); last: {lastFailure}");
    }

    private static string DeadlineMessage(string model, int attempts, string? lastFailure) =>
        attempts == 0
            ? $"the request's deadline passed before model '{model}' could run"
            : $"the request's deadline passed after {attempts} attempt(s) on model '{model}'; last: {lastFailure}";

    // "bad_input: input 'a' is …" reads better in an HTTP error without the wire code.
    private static string StripCode(string message) => message.StartsWith("bad_input: ", StringComparison.Ordinal) ? message["bad_input: ".Length..] : message;

    private const string ModelTag = "cerebrum.model";
    private const string NodeTag = "cerebrum.node";
    private const string AttemptTag = "cerebrum.attempt";
    private const string AttemptsTag = "cerebrum.attempts";
    private const string RoutesTag = "cerebrum.routes";
    private const string TriedTag = "cerebrum.tried";
    private const string OutcomeTag = "cerebrum.outcome";

    private enum AttemptOutcome
    {
        Neutral,
        Success,
        Failure,
    }
}
