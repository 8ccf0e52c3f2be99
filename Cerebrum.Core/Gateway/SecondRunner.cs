using System.Diagnostics.Metrics;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Verification;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Runs the gateway's sampled second runs (issue 15: "a fraction of real jobs may be re-run on a second node by gateways
/// the same way"), one at a time off the clients' path: each request from the <see cref="SecondRunQueue"/> is sent again,
/// paid like any request, to another eligible node of the model (chosen as the dispatcher chooses, the first node
/// excluded), and the two node-signed outputs are compared within <see cref="SecondRunOptions.Tolerance"/>. The gateway
/// cannot tell which of two disagreeing nodes is wrong, so it files both answers as <c>ReportWrongReceipt</c> evidence:
/// every validator re-executes each and only the wrong one is slashed; the right one's dispute is dismissed (the gateway
/// loses that evidence fee, which is what makes disputes cost a hostile gateway).
/// </summary>
public sealed class SecondRunner
{
    private readonly SecondRunQueue _queue;
    private readonly SecondRunOptions _options;
    private readonly RoutingTable _table;
    private readonly NodeSelector _selector;
    private readonly IInferNodeClient _client;
    private readonly Func<ReportWrongReceipt, string?> _file;
    private readonly Func<int> _maxEvidenceBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long>? _outcomes;
    private readonly Queue<DateTimeOffset> _filed = new();
    private long _done;
    private long _mismatches;
    private long _disputesFiled;

    /// <param name="file">Submits one dispute as the gateway's account; returns why it was refused, or null.</param>
    /// <param name="maxEvidenceBytes">The largest evidence the ledger takes now (its transaction size bound, less room for the rest).</param>
    public SecondRunner(SecondRunQueue queue, SecondRunOptions options, RoutingTable table, NodeSelector selector, IInferNodeClient client,
        Func<ReportWrongReceipt, string?> file, Func<int> maxEvidenceBytes, TimeProvider time, ILogger logger, IMeterFactory? meterFactory = null)
    {
        options.Validate();
        _queue = queue;
        _options = options;
        _table = table;
        _selector = selector;
        _client = client;
        _file = file;
        _maxEvidenceBytes = maxEvidenceBytes;
        _time = time;
        _logger = logger;
        if (meterFactory is not null)
        {
            _outcomes = meterFactory.Create(GatewayMetrics.MeterName).CreateCounter<long>(GatewayMetrics.SecondRuns, "{request}",
                "Sampled second runs, by outcome (agreed, mismatch, failed, no_node, dropped)");
            queue.RequestDropped += () => _outcomes.Add(1, new KeyValuePair<string, object?>(GatewayMetrics.OutcomeTag, "dropped"));
        }
    }

    /// <summary>Second runs that produced an answer to compare.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Second runs whose output disagreed with the first beyond the tolerance.</summary>
    public long Mismatches => Interlocked.Read(ref _mismatches);

    /// <summary>Disputes this gateway filed and the ledger took.</summary>
    public long DisputesFiled => Interlocked.Read(ref _disputesFiled);

    /// <summary>Sampled requests dropped because the queue was full.</summary>
    public long Dropped => _queue.Dropped;

    /// <summary>Runs the queue's requests until <paramref name="stopping"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        await foreach (var request in _queue.ReadAllAsync(stopping))
        {
            try
            {
                await RunOnceAsync(request, stopping);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Second run of a request for {Model} failed: {Reason}", request.ModelHash, e.Message);
                Count("failed");
            }
        }
    }

    /// <summary>One second run: another node, the comparison, the disputes on a mismatch. Returns the outcome's name.</summary>
    public async Task<string> RunOnceAsync(SecondRunRequest request, CancellationToken ct)
    {
        var routes = _table.Routes(request.ModelHash);
        var route = _selector.Select(routes, new HashSet<PeerId> { request.FirstNode }, _table.Options.MaxOutstandingPerNode, _time.GetUtcNow(), _table.Options.RegisteredShare);
        if (route is null) return Count("no_node");
        var started = _time.GetTimestamp();
        InferCallResult second;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                second = await _client.InferAsync(route.Node, request.ModelHash, request.Inputs, _time.GetUtcNow() + _options.Timeout, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                route.Breaker.RecordNeutral();
                _logger.LogDebug("Second run on {Node} did not answer within {Timeout}", route.Node, _options.Timeout);
                return Count("failed");
            }
            catch (InferCallException e)
            {
                // A second run is a health signal like any request, but never the client's: neutral for the breaker.
                route.Breaker.RecordNeutral();
                _logger.LogDebug("Second run on {Node} failed: {Reason}", route.Node, e.Message);
                return Count("failed");
            }
            route.RecordSuccess(_time.GetElapsedTime(started));
        }
        finally
        {
            route.End();
        }
        Interlocked.Increment(ref _done);
        var judgement = CanaryReference.Judge(request.First.Outputs, second.Outputs, _options.Tolerance);
        if (judgement.Passed) return Count("agreed");
        Interlocked.Increment(ref _mismatches);
        _logger.LogWarning("Second run of a request for {Model}: {First} and {Second} disagree ({Detail}); filing both answers for the validators to re-execute",
            request.ModelHash, request.FirstNode, route.Node, judgement.Detail);
        if (TakeDisputeAllowance())
        {
            File(request.FirstNode, request, request.First);
            File(route.Node, request, second);
        }
        else
        {
            _logger.LogWarning("Disagreement not filed: this gateway's {Max} disputed disagreements an hour are spent", _options.MaxDisputesPerHour);
        }
        return Count("mismatch");
    }

    private bool TakeDisputeAllowance()
    {
        var now = _time.GetUtcNow();
        lock (_filed)
        {
            while (_filed.TryPeek(out var at) && now - at > TimeSpan.FromHours(1)) _filed.Dequeue();
            if (_filed.Count >= _options.MaxDisputesPerHour) return false;
            _filed.Enqueue(now);
            return true;
        }
    }

    private void File(PeerId node, SecondRunRequest request, InferCallResult answer)
    {
        if (WrongReceiptEvidence.From(node, request.ModelHash, request.Inputs, answer) is not { } report) return;
        if (report.CalculateSize() > _maxEvidenceBytes())
        {
            _logger.LogWarning("Dispute over {Node}'s answer not filed: its evidence ({Bytes} bytes) is larger than the ledger takes", node, report.CalculateSize());
            return;
        }
        if (_file(report) is { } error)
        {
            _logger.LogWarning("Dispute over {Node}'s answer to job {Job} refused: {Error}", node, answer.JobId, error);
            return;
        }
        Interlocked.Increment(ref _disputesFiled);
        _logger.LogWarning("Filed a dispute over {Node}'s answer to job {Job}", node, answer.JobId);
    }

    private string Count(string outcome)
    {
        _outcomes?.Add(1, new KeyValuePair<string, object?>(GatewayMetrics.OutcomeTag, outcome));
        return outcome;
    }
}
