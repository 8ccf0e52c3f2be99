using System.Collections.Concurrent;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.PubSub;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The verification layer's entry type: a validator's checks of the registered nodes. While this daemon is in the
/// validator set it checks every registered node at onboarding (a hardware challenge and a latency probe at once),
/// a jailed node once its jail time is over, and every node at random exponential intervals after that; each check
/// becomes a signed <see cref="Attestation"/>, published on <c>cerebrum/1/attestations</c> and recorded on the ledger in
/// this validator's next <c>Attest</c> transaction. <see cref="RegisterTopicValidator"/> checks what arrives on that
/// topic (<see cref="AttestationGossipVerdict"/>). With <see cref="EnableCanaries"/> it also sends canaries (paid jobs from a
/// throwaway identity, judged against its own run), files a dispute with the node-signed receipt when one is wrong, and
/// re-executes every open dispute over a model it holds, attesting its verdict, so slashing needs no human.
/// </summary>
public sealed class NodeVerifier : IAsyncDisposable
{
    private readonly PrivateKey _identity;
    private readonly PeerHost _host;
    private readonly GossipRouter _router;
    private readonly ChainNode _chain;
    private readonly ChainGossip _chainGossip;
    private readonly VerificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly ConcurrentDictionary<PeerId, NodeSchedule> _schedules = new();
    private readonly ConcurrentQueue<SignedAttestation> _unrecorded = new();
    private readonly ConcurrentDictionary<PeerId, (Attestation Canary, DateTimeOffset Due)> _pendingCanaries = new();
    private readonly SemaphoreSlim _concurrency;
    private readonly GeoPoint? _location;
    private readonly List<Attestation> _recent = [];
    private readonly Lock _signing = new();
    private readonly ConcurrentDictionary<string, byte> _disputesJudged = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _disputesFiled = new();
    private readonly ConcurrentDictionary<string, byte> _breachesFiled = new(StringComparer.Ordinal);
    private CanaryReference? _reference;
    private ICanaryClient? _canaries;
    private int _started;

    public NodeVerifier(PrivateKey identity, PeerHost host, GossipRouter router, ChainNode chain, ChainGossip chainGossip, VerificationOptions options,
        TimeProvider time, ILogger logger)
    {
        _identity = identity;
        _host = host;
        _router = router;
        _chain = chain;
        _chainGossip = chainGossip;
        _options = options.Validate();
        _time = time;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        _concurrency = new SemaphoreSlim(options.MaxConcurrentChecks);
        _location = options.Location is { } location && GeoPoint.TryParse(location, out var point) ? point : null;
    }

    /// <summary>The checks this validator ran, with their attestations or why they broke off (the operator's view); other kinds of check record theirs here too.</summary>
    public ValidatorCheckLog Checks { get; } = new();

    /// <summary>Attestations made, in order (for the admin API and tests); the last 1000.</summary>
    public IReadOnlyList<Attestation> Recent
    {
        get
        {
            lock (_recent) return [.. _recent];
        }
    }

    /// <summary>
    /// Checks what arrives on <c>cerebrum/1/attestations</c> against <paramref name="chain"/> (every daemon with a ledger,
    /// before it joins the topic).
    /// </summary>
    public static void RegisterTopicValidator(GossipRouter router, ChainNode chain, ILogger logger) =>
        router.RegisterValidator(VerificationTopics.Attestations, (message, _) =>
        {
            if (message.ReceivedFrom == router.LocalPeer) return ValueTask.FromResult(ValidationResult.Accept);
            var verdict = AttestationGossipVerdict.Check(message.Data.Span, chain, out var reason);
            if (verdict != ValidationResult.Accept) logger.LogDebug("Attestation from {Peer}: {Verdict} ({Reason})", message.ReceivedFrom, verdict, reason);
            return ValueTask.FromResult(verdict);
        });

    /// <summary>
    /// Sends canaries through <paramref name="client"/> to nodes serving a model <paramref name="reference"/> holds, and
    /// re-executes disputes over those models (before <see cref="Start"/>).
    /// </summary>
    public void EnableCanaries(CanaryReference reference, ICanaryClient client)
    {
        if (Volatile.Read(ref _started) != 0) throw new InvalidOperationException("canaries are enabled before the verifier starts");
        _reference = reference;
        _canaries = client;
    }

    /// <summary>Starts checking and recording.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the verifier is already started");
        _tasks.Run("node checks", RunChecksAsync);
        _tasks.Run("attestation recording", RunRecordingAsync);
    }

    /// <summary>
    /// Runs one check of <paramref name="node"/> now (hardware or latency) and returns its attestation, which is also
    /// published and queued for the ledger; null when this daemon is not a validator or the node is not registered.
    /// </summary>
    /// <remarks>A canary returns null too when this validator holds none of the node's models or the node did not answer the job.</remarks>
    public async Task<Attestation?> CheckAsync(PeerId node, CheckKind kind, CancellationToken ct)
    {
        var height = _chain.Status.Height;
        if (!IsValidator(height) || _chain.GetNode(node) is not { } state) return null;
        var schedule = Schedule(node);
        using var span = VerificationTracing.Source.StartActivity(VerificationTracing.Check);
        span?.SetTag(VerificationTracing.NodeTag, node.ToString());
        span?.SetTag(VerificationTracing.KindTag, kind.ToString());
        var attestation = kind switch
        {
            CheckKind.Hardware => await CheckHardwareAsync(node, state, schedule, height, ct),
            CheckKind.Latency => await CheckLatencyAsync(node, state, schedule, height, ct),
            CheckKind.Canary => await CheckCanaryAsync(node, state, schedule, height, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "hardware, latency or canary"),
        };
        span?.SetTag(VerificationTracing.VerdictTag, attestation?.Verdict.ToString() ?? "none");
        if (attestation is null) return null;
        await PublishAsync(attestation, ct);
        return attestation;
    }

    /// <summary>
    /// Re-executes the open dispute <paramref name="disputeId"/> (hex) on this validator's own copy of its model and attests
    /// the verdict (PASS: the node's outputs were right); null when this validator cannot judge it (not a validator, the
    /// dispute is gone, the model is not held, the evidence is too large).
    /// </summary>
    public async Task<Attestation?> JudgeDisputeAsync(string disputeId, CancellationToken ct)
    {
        var height = _chain.Status.Height;
        if (!IsValidator(height) || _reference is not { } reference) return null;
        if (_chain.ListDisputes().FirstOrDefault(d => d.Id == disputeId).Dispute is not { } dispute) return null;
        if (reference.FindModel(dispute.ModelHash) is not { } model || dispute.Inputs.Length + dispute.Outputs.Length > _options.MaxDisputeBytes) return null;
        using var span = VerificationTracing.Source.StartActivity(VerificationTracing.Dispute);
        span?.SetTag(VerificationTracing.NodeTag, PeerId.FromBytes(dispute.Node.Span).ToString());
        span?.SetTag(VerificationTracing.DisputeTag, disputeId);
        var inputs = TensorSet.Parser.ParseFrom(dispute.Inputs).Tensors.Select(WireTensors.FromWire).ToList();
        var outputs = TensorSet.Parser.ParseFrom(dispute.Outputs).Tensors.Select(WireTensors.FromWire).ToList();
        var tolerance = await reference.ToleranceAsync(model, ct);
        var own = await reference.RunAsync(model.Hash, inputs, ct);
        var judgement = CanaryReference.Judge(own, outputs, tolerance);
        var attestation = new Attestation
        {
            Validator = ByteString.CopyFrom(_identity.PeerId.Bytes.Span),
            Node = dispute.Node,
            Kind = CheckKind.Receipt,
            Height = height,
            Verdict = judgement.Passed ? CheckVerdict.Pass : CheckVerdict.Fail,
            DisputeId = ByteString.CopyFrom(Convert.FromHexString(disputeId)),
            Detail = AttestationSigning.TruncateDetail("re-executed: " + judgement.Detail),
        };
        span?.SetTag(VerificationTracing.VerdictTag, attestation.Verdict.ToString());
        _logger.LogInformation("Dispute {Dispute} over {Node}: {Verdict} ({Detail})", disputeId, PeerId.FromBytes(dispute.Node.Span), attestation.Verdict, judgement.Detail);
        await PublishAsync(attestation, ct);
        return attestation;
    }

    public async ValueTask DisposeAsync()
    {
        await _tasks.DisposeAsync();
        _concurrency.Dispose();
    }

    private bool IsValidator(ulong height) => _chain.GetValidatorSet(height + 1)?.Find(_identity.PeerId) is not null;

    private async Task RunChecksAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.Tick, _time);
        while (await timer.WaitForNextTickAsync(stopping))
        {
            var height = _chain.Status.Height;
            var validators = _chain.GetValidatorSet(height + 1);
            if (validators?.Find(_identity.PeerId) is null) continue;
            var now = _time.GetUtcNow();
            var due = new List<Task>();
            foreach (var (node, state) in _chain.ListNodes())
            {
                var schedule = Schedule(node);
                var onboarding = state.Lifecycle == NodeLifecycle.Registered && schedule.HardwareChecked == 0;
                var released = state.Lifecycle == NodeLifecycle.Jailed && now.ToUnixTimeMilliseconds() >= state.JailedUntilUnixMs && schedule.HardwareChecked <= state.JailedHeight;
                if (onboarding || released || now >= schedule.NextHardware)
                {
                    schedule.NextHardware = now + Exponential(_options.HardwareIntervalFor(validators.Count));
                    due.Add(Checked(node, CheckKind.Hardware, stopping));
                }
                if (schedule.LatencyChecked == 0 || now >= schedule.NextLatency)
                {
                    schedule.NextLatency = now + Exponential(_options.LatencyInterval);
                    due.Add(Checked(node, CheckKind.Latency, stopping));
                }
                if (_canaries is not null && state.Lifecycle != NodeLifecycle.Jailed && now >= schedule.NextCanary)
                {
                    // The first one at a random point of the first interval, so validators that start together do not send at once.
                    var first = schedule.NextCanary == default;
                    schedule.NextCanary = now + (first ? _options.CanaryInterval * Random.Shared.NextDouble() : Exponential(_options.CanaryInterval));
                    if (!first) due.Add(Checked(node, CheckKind.Canary, stopping));
                }
            }
            var disputes = _reference is null ? [] : _chain.ListDisputes();
            foreach (var (id, dispute) in disputes)
            {
                if (dispute.Votes.Any(v => v.Validator.Span.SequenceEqual(_identity.PeerId.Bytes.Span)) || !_disputesJudged.TryAdd(id, 0)) continue;
                due.Add(Judged(id, stopping));
            }
            // Settled or expired disputes are forgotten, so the set stays as small as the ledger's open disputes.
            foreach (var judged in _disputesJudged.Keys)
                if (!disputes.Any(d => d.Id == judged)) _disputesJudged.TryRemove(judged, out _);
            await Task.WhenAll(due);
        }
    }

    private async Task Checked(PeerId node, CheckKind kind, CancellationToken stopping)
    {
        await _concurrency.WaitAsync(stopping);
        try
        {
            await CheckAsync(node, kind, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogWarning(e, "{Kind} check of {Node} failed: {Reason}", kind, node, e.Message);
            Checks.Record(new ValidatorCheck(_time.GetUtcNow(), node, kind, null, e.Message));
        }
        finally
        {
            _concurrency.Release();
        }
    }

    private async Task Judged(string disputeId, CancellationToken stopping)
    {
        await _concurrency.WaitAsync(stopping);
        try
        {
            await JudgeDisputeAsync(disputeId, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogWarning(e, "Re-execution of dispute {Dispute} failed: {Reason}", disputeId, e.Message);
        }
        finally
        {
            _concurrency.Release();
        }
    }

    private NodeSchedule Schedule(PeerId node) => _schedules.GetOrAdd(node, _ =>
        NodeSchedule.From(_chain.GetNodeAttestations(node, CheckKind.Latency), _chain.GetNodeAttestations(node, CheckKind.Canary), _identity.PeerId));

    /// <summary>
    /// One canary: a job on one of the node's models that this validator holds, with drawn inputs, sent through the
    /// throwaway client and run here too; judged within the model's calibrated tolerance. A wrong answer is also filed as
    /// a dispute. Null when there is nothing to send, the pace does not allow one, or the node did not answer the job (its
    /// liveness is the latency probe's business, and a busy node may refuse a client).
    /// </summary>
    private async Task<Attestation?> CheckCanaryAsync(PeerId node, NodeState state, NodeSchedule schedule, ulong height, CancellationToken ct)
    {
        if (_reference is not { } reference || _canaries is not { } client) return null;
        var models = state.ModelHashes.Select(reference.FindModel).OfType<Inference.Store.ModelInfo>().ToList();
        if (models.Count == 0) return null;
        var validators = Math.Max(1, _chain.GetValidatorSet(height + 1)?.Count ?? 1);
        schedule.CanaryBudget ??= new ChallengeBudget(_time, _options.CapacityShare / validators);
        var model = models[Random.Shared.Next(models.Count)];
        var tolerance = await reference.ToleranceAsync(model, ct);
        var inputs = CanaryInputs.Create(model, Random.Shared.Next());
        if (inputs is null) return null;
        var started = _time.GetTimestamp();
        var own = await reference.RunAsync(model.Hash, inputs, ct);
        var cost = _time.GetElapsedTime(started);
        if (!schedule.CanaryBudget.Allows(cost))
        {
            _logger.LogDebug("Canary to {Node} skipped: this validator's share of its capacity is spent", node);
            return null;
        }
        schedule.CanaryBudget.Record(cost);
        // Leased nodes are probed like any other: an honest one refuses the stranger with the typed leased error.
        var lease = LeaseOf(state);
        InferCallResult answer;
        try
        {
            answer = await SendUntracedAsync(client, node, model.Hash, inputs, ct);
        }
        catch (InferCallException e) when (lease is not null && e.NodeError == InferenceErrorCode.Leased)
        {
            // Keeping its lease is what the node owes a stranger now: a pass, so a tenant's exclusivity never costs the node reputation.
            schedule.CanaryPassed++;
            var kept = CanaryAttestation(node, height, CheckVerdict.Pass, schedule, $"canary on {model.Name}: refused as leased, as its lease requires");
            _logger.LogInformation("Canary to leased {Node}: {Verdict} ({Detail})", node, kept.Verdict, kept.Detail);
            return kept;
        }
        catch (InferCallException e)
        {
            _logger.LogInformation("Canary to {Node} not answered: {Reason}", node, e.Message);
            return null;
        }
        if (lease is { } leased) FileLeaseBreach(node, leased.Id, leased.Lease, answer);
        var judgement = CanaryReference.Judge(own, answer.Outputs, tolerance);
        if (judgement.Passed) schedule.CanaryPassed++;
        else schedule.CanaryFailed++;
        var attestation = CanaryAttestation(node, height, judgement.Passed ? CheckVerdict.Pass : CheckVerdict.Fail, schedule, $"canary on {model.Name}: " + judgement.Detail);
        _logger.LogInformation("Canary to {Node}: {Verdict} ({Detail})", node, attestation.Verdict, attestation.Detail);
        if (!judgement.Passed) FileDispute(node, model.Hash, inputs, answer);
        return attestation;
    }

    private Attestation CanaryAttestation(PeerId node, ulong height, CheckVerdict verdict, NodeSchedule schedule, string detail) => new()
    {
        Validator = ByteString.CopyFrom(_identity.PeerId.Bytes.Span),
        Node = ByteString.CopyFrom(node.Bytes.Span),
        Kind = CheckKind.Canary,
        Height = height,
        Verdict = verdict,
        CanaryPassed = schedule.CanaryPassed,
        CanaryFailed = schedule.CanaryFailed,
        Detail = AttestationSigning.TruncateDetail(detail),
    };

    /// <summary>The node's lease on the ledger when it is running now and not yet found breached (null otherwise).</summary>
    private (byte[] Id, LeaseState Lease)? LeaseOf(NodeState state)
    {
        if (state.LeaseId.IsEmpty || _chain.GetLease(state.LeaseId.Span) is not { } lease || lease.Breached) return null;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return now >= lease.StartUnixMs && now < lease.EndUnixMs ? (state.LeaseId.ToByteArray(), lease) : null;
    }

    /// <summary>
    /// Files <see cref="ReportLeaseBreach"/> with the node-signed receipt of a stranger's job that a leased node served
    /// (once per lease from this validator: the ledger slashes a lease's breach once; the finder's share is this validator's).
    /// </summary>
    private void FileLeaseBreach(PeerId node, byte[] leaseId, LeaseState lease, InferCallResult answer)
    {
        if (LeaseBreachEvidence.From(leaseId, lease, answer) is not { } report) return;
        var id = Convert.ToHexStringLower(leaseId);
        if (!_breachesFiled.TryAdd(id, 0)) return;
        var error = SubmitSigned(new Transaction { ReportLeaseBreach = report, Fee = Math.Max(_chain.Params.MinFee, _chain.Params.Verification.EvidenceFee) });
        if (error is null) _logger.LogWarning("Filed a lease breach: {Node}, leased under {Lease}, served a stranger's job {Job}", node, id, answer.JobId);
        else
        {
            _logger.LogWarning("Lease breach by {Node} under {Lease} refused: {Error}", node, id, error);
            _breachesFiled.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Sends the canary outside this validator's trace: a job carrying the check's trace context would tell the node whose
    /// job it is. (Activity.Current is async-local: cleared here, it is the caller's again when this returns.)
    /// </summary>
    private async Task<InferCallResult> SendUntracedAsync(ICanaryClient client, PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, CancellationToken ct)
    {
        System.Diagnostics.Activity.Current = null;
        return await client.RunAsync(node, modelHash, inputs, _time.GetUtcNow() + _options.StepTimeout, ct);
    }

    /// <summary>Files a wrong answer as <see cref="ReportWrongReceipt"/> evidence, within this validator's dispute rate and size bounds.</summary>
    private void FileDispute(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, InferCallResult answer)
    {
        if (answer.Receipt is null || answer.Binding is null) return;
        var now = _time.GetUtcNow();
        lock (_disputesFiled)
        {
            while (_disputesFiled.TryPeek(out var at) && now - at > TimeSpan.FromHours(1)) _disputesFiled.Dequeue();
            if (_disputesFiled.Count >= _options.MaxDisputesPerHour)
            {
                _logger.LogWarning("Wrong answer from {Node} not filed: this validator's {Max} disputes an hour are spent", node, _options.MaxDisputesPerHour);
                return;
            }
            _disputesFiled.Enqueue(now);
        }
        var report = WrongReceiptEvidence.From(node, modelHash, inputs, answer)!;
        var bound = Math.Min(_options.MaxDisputeBytes, _chain.Params.MaxTxBytes - 512);
        if (report.CalculateSize() > bound)
        {
            _logger.LogWarning("Wrong answer from {Node} not filed: its evidence ({Bytes} bytes) is larger than {Bound} bytes", node, report.CalculateSize(), bound);
            return;
        }
        var error = SubmitSigned(new Transaction { ReportWrongReceipt = report, Fee = Math.Max(_chain.Params.MinFee, _chain.Params.Verification.EvidenceFee) });
        if (error is null) _logger.LogWarning("Filed a dispute over {Node}'s answer to job {Job}", node, answer.JobId);
        else _logger.LogWarning("Dispute over {Node}'s answer to job {Job} refused: {Error}", node, answer.JobId, error);
    }

    private async Task<Attestation> CheckHardwareAsync(PeerId node, NodeState state, NodeSchedule schedule, ulong height, CancellationToken ct)
    {
        var claim = state.Claim?.ClaimedMflops is > 0 and var claimed ? claimed : _chain.Params.Verification.MinClaimedMflops;
        var challenge = HardwareChallenge.Create(_identity.PeerId, node, claim, state.Claim?.Gpu ?? false, _options.Challenge, height, schedule.LeastRtt, _time);
        var outcome = await RunChallengeAsync(node, challenge, ct);
        schedule.HardwareChecked = height;
        // A node not yet (or no longer) Active that did not pass is tried again soon, backing off, rather than at the
        // next random check: most first failures at onboarding are a node this validator cannot reach yet.
        if (outcome.Passed) schedule.HardwareFailures = 0;
        else if (state.Lifecycle != NodeLifecycle.Active)
            schedule.NextHardware = _time.GetUtcNow() + schedule.Backoff(ref schedule.HardwareFailures, _options.HardwareIntervalFor(1));
        _logger.LogInformation("Hardware check of {Node}: {Verdict} ({Detail})", node, outcome.Verdict, outcome.Detail);
        return outcome.ToAttestation(_identity.PeerId, node, height);
    }

    private async Task<Attestation> CheckLatencyAsync(PeerId node, NodeState state, NodeSchedule schedule, ulong height, CancellationToken ct)
    {
        schedule.ProbesSent++;
        var rtts = new List<TimeSpan>();
        ChallengeOutcome outcome;
        try
        {
            var connection = await ConnectAsync(node, ct);
            using (var pings = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                pings.CancelAfter(_options.StepTimeout);
                await foreach (var rtt in _host.Ping.PingManyAsync(connection, _options.PingSamples, pings.Token)) rtts.Add(rtt);
            }
            outcome = await ChallengeProtocolClient.RunAsync(connection, HardwareChallenge.CreateProbe(_identity.PeerId, node, height, _options.ProbeDeadline, _time), _options.StepTimeout, ct);
        }
        catch (Exception e) when (e is DialException or IOException or InvalidDataException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            outcome = new ChallengeOutcome(ChallengeVerdict.Unanswered, "no answer: " + e.Message, TimeSpan.Zero, 0, 0, null, null);
        }
        schedule.LatencyChecked = height;
        if (outcome.Passed) schedule.LatencyFailures = 0;
        else if (state.Lifecycle != NodeLifecycle.Active)
            schedule.NextLatency = _time.GetUtcNow() + schedule.Backoff(ref schedule.LatencyFailures, _options.LatencyInterval);
        var attestation = outcome.ToAttestation(_identity.PeerId, node, height, CheckKind.Latency);
        if (outcome.Passed) schedule.ProbesAnswered++;
        attestation.ProbesSent = schedule.ProbesSent;
        attestation.ProbesAnswered = schedule.ProbesAnswered;
        if (rtts.Count > 0)
        {
            var least = rtts.Min();
            schedule.LeastRtt = least;
            attestation.RttMicros = (uint)Math.Min(uint.MaxValue, Math.Max(1, least.Ticks / 10));
            if (_location is not null && outcome.Passed && RegionCatalog.Refutes(_location, state.Region, least, out var distance, out var reach))
            {
                attestation.Verdict = CheckVerdict.Fail;
                attestation.Detail = AttestationSigning.TruncateDetail($"region {state.Region} refuted: its nearest edge is {distance:0} km away, a {least.TotalMilliseconds:0.0} ms round trip reaches {reach:0} km");
            }
        }
        if (attestation.Verdict != CheckVerdict.Fail)
            attestation.Detail = AttestationSigning.TruncateDetail($"rtt {(rtts.Count > 0 ? rtts.Min().TotalMilliseconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "-")} ms over {rtts.Count} pings; probe {outcome.Verdict}: {outcome.Detail}");
        _logger.LogInformation("Latency check of {Node}: {Verdict} ({Detail})", node, attestation.Verdict, attestation.Detail);
        return attestation;
    }

    private async Task<ChallengeOutcome> RunChallengeAsync(PeerId node, HardwareChallenge challenge, CancellationToken ct)
    {
        try
        {
            var connection = await ConnectAsync(node, ct);
            return await ChallengeProtocolClient.RunAsync(connection, challenge, _options.StepTimeout, ct);
        }
        catch (Exception e) when (e is DialException or IOException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return challenge.Abandon("no connection: " + e.Message);
        }
    }

    private async Task<Connection> ConnectAsync(PeerId node, CancellationToken ct)
    {
        using var dial = CancellationTokenSource.CreateLinkedTokenSource(ct);
        dial.CancelAfter(_options.StepTimeout);
        try
        {
            return await _host.ConnectAsync(node, dial.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no connection to {node} within {_options.StepTimeout.TotalSeconds:0} s");
        }
    }

    private async Task PublishAsync(Attestation attestation, CancellationToken ct)
    {
        lock (_recent)
        {
            _recent.Add(attestation);
            if (_recent.Count > 1000) _recent.RemoveAt(0);
        }
        Checks.Record(new ValidatorCheck(_time.GetUtcNow(), PeerId.FromBytes(attestation.Node.Span), attestation.Kind, attestation));
        if (attestation.Kind == CheckKind.Canary)
        {
            // Canary counts are cumulative and the node signs nothing, so only the latest canary about a node is recorded,
            // at the height it is submitted (several may fall within one block; the ledger keeps one per height), after a
            // random delay and never gossiped: a record right after a job would tell the node which job, and so which
            // identity, was the validator's.
            var node = PeerId.FromBytes(attestation.Node.Span);
            var due = _time.GetUtcNow() + (_options.CanaryRecordDelay == TimeSpan.Zero ? TimeSpan.Zero : Exponential(_options.CanaryRecordDelay));
            _pendingCanaries.AddOrUpdate(node, (attestation, due), (_, previous) => (attestation, previous.Due));
            return;
        }
        var signed = AttestationSigning.Sign(_identity, attestation);
        _unrecorded.Enqueue(signed);
        try
        {
            await _router.PublishAsync(VerificationTopics.Attestations, signed.ToByteArray(), ct);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Gossip is best effort (e.g. no peer on the topic yet); the ledger record does not depend on it.
            _logger.LogDebug("Attestation not gossiped: {Reason}", e.Message);
        }
    }

    private async Task RunRecordingAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.AttestInterval, _time);
        while (await timer.WaitForNextTickAsync(stopping))
        {
            var batch = new List<SignedAttestation>();
            var height = _chain.Status.Height;
            var now = _time.GetUtcNow();
            foreach (var (node, pending) in _pendingCanaries)
            {
                if (batch.Count >= AttestHandler.MaxAttestations / 2) break;
                var schedule = Schedule(node);
                if (now < pending.Due || height <= schedule.CanarySubmitted
                    || !_pendingCanaries.TryRemove(new KeyValuePair<PeerId, (Attestation, DateTimeOffset)>(node, pending))) continue;
                var recorded = pending.Canary.Clone();
                recorded.Height = height;
                schedule.CanarySubmitted = height;
                batch.Add(AttestationSigning.Sign(_identity, recorded));
            }
            while (batch.Count < AttestHandler.MaxAttestations && _unrecorded.TryDequeue(out var next)) batch.Add(next);
            if (batch.Count == 0) continue;
            if (Submit(batch) is null) continue;
            // One of them no longer applies (e.g. its node left): record the others one by one, and drop the refused.
            foreach (var single in batch)
                if (Submit([single]) is { } error)
                    _logger.LogInformation("Attestation about {Node} not recorded: {Error}", PeerId.FromBytes(Attestation.Parser.ParseFrom(single.Attestation).Node.Span), error);
        }
    }

    private ChainError? Submit(IReadOnlyList<SignedAttestation> attestations)
    {
        var tx = new Transaction { Fee = _chain.Params.MinFee, Attest = new Attest() };
        tx.Attest.Attestations.AddRange(attestations);
        return SubmitSigned(tx);
    }

    /// <summary>Completes <paramref name="tx"/> (chain id, this validator's key, next nonce), signs and submits it; one at a time, so two never take one nonce.</summary>
    public ChainError? SubmitSigned(Transaction tx)
    {
        lock (_signing)
        {
            tx.ChainId = _chain.ChainId;
            tx.SenderPublicKey = ByteString.CopyFrom(_identity.PublicKey.ToProtobuf());
            tx.Nonce = _chain.GetNextNonce(_identity.PeerId);
            return _chainGossip.Submit(TransactionCodec.Sign(_identity, tx)).Error;
        }
    }

    private TimeSpan Exponential(TimeSpan mean) => mean * -Math.Log(1 - Random.Shared.NextDouble());

    /// <summary>This validator's schedule of one node and its running probe counts (seeded from its last recorded attestation).</summary>
    private sealed class NodeSchedule
    {
        public DateTimeOffset NextHardware { get; set; }

        public DateTimeOffset NextLatency { get; set; }

        public ulong HardwareChecked { get; set; }

        public ulong LatencyChecked { get; set; }

        /// <summary>Failed checks in a row of a node that is not Active (reset by a pass).</summary>
        public int HardwareFailures;

        public int LatencyFailures;

        /// <summary>2 s after the first failure, doubling per failure, never more than <paramref name="cap"/>.</summary>
        public TimeSpan Backoff(ref int failures, TimeSpan cap)
        {
            failures = Math.Min(failures + 1, 20);
            var delay = TimeSpan.FromSeconds(2) * Math.Pow(2, failures - 1);
            return delay < cap ? delay : cap;
        }

        public ulong ProbesSent { get; set; }

        public ulong ProbesAnswered { get; set; }

        public TimeSpan LeastRtt { get; set; }

        public DateTimeOffset NextCanary { get; set; }

        public ulong CanaryPassed { get; set; }

        public ulong CanaryFailed { get; set; }

        /// <summary>The height the last canary attestation about the node was submitted at (the next must be above it).</summary>
        public ulong CanarySubmitted { get; set; }

        /// <summary>This validator's share of the node's time for canaries, created on the first one.</summary>
        public ChallengeBudget? CanaryBudget { get; set; }

        public static NodeSchedule From(NodeAttestations latency, NodeAttestations canary, PeerId validator)
        {
            var mine = latency.Attestations.FirstOrDefault(a => a.Validator.Span.SequenceEqual(validator.Bytes.Span));
            var canaries = canary.Attestations.FirstOrDefault(a => a.Validator.Span.SequenceEqual(validator.Bytes.Span));
            return new NodeSchedule
            {
                ProbesSent = mine?.ProbesSent ?? 0,
                ProbesAnswered = mine?.ProbesAnswered ?? 0,
                LeastRtt = TimeSpan.FromTicks((mine?.RttMicros ?? 0) * 10L),
                CanaryPassed = canaries?.CanaryPassed ?? 0,
                CanaryFailed = canaries?.CanaryFailed ?? 0,
                CanarySubmitted = canaries?.Height ?? 0,
            };
        }
    }
}
