using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Resources;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// The node's side of <c>/cerebrum/infer/1.0.0</c> over any stream: reads length-prefixed <see cref="InferRequest"/>s until
/// the peer closes, runs each through the <see cref="InferenceEngine"/>, and answers each with a signed
/// <see cref="InferResponse"/> or a typed error. A bad request costs only its own answer; the stream keeps serving. Every
/// job holds its bytes in an <see cref="InferByteBudget"/> (per node and per peer) and is refused before it runs when
/// they do not fit. With an <see cref="Admission"/> (the market's), every job is admitted before it runs (price paid,
/// lease respected) and its charge is durable before the answer goes out. Every receipt binds the requester (the
/// connection's authenticated peer), the node's time, the price charged and a node nonce that makes the job id one the
/// requester does not choose alone.
/// </summary>
public sealed class InferProtocolHandler
{
    public const string ProtocolId = "/cerebrum/infer/1.0.0";

    /// <summary>Room for the request's framing, ids and tensor headers beyond the engine's input-byte limit.</summary>
    private const int EnvelopeBytes = 64 * 1024;

    /// <summary>Bytes and age of the answers kept for requests with an idempotency key.</summary>
    private const long AnsweredBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan AnsweredAge = TimeSpan.FromMinutes(30);

    /// <summary>Bytes of the node's nonce in every receipt.</summary>
    public const int NodeNonceLength = 16;

    /// <summary>The last millisecond a <see cref="DateTimeOffset"/> can hold (the end of the year 9999).</summary>
    private static readonly long MaxDeadlineUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private readonly InferenceEngine _engine;
    private readonly PrivateKey _nodeKey;
    private readonly ByteString _nodePublicKey;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxMessageBytes;

    /// <param name="meterFactory">Publishes <see cref="Counters"/> (see <see cref="InferenceMetrics.Jobs"/>); null publishes nothing.</param>
    /// <param name="budget">Bytes of jobs in flight, in all and per peer; null takes <see cref="InferBudgetOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">Invalid <paramref name="budget"/>.</exception>
    public InferProtocolHandler(InferenceEngine engine, PrivateKey nodeKey, ILogger? logger = null, TimeProvider? time = null, IMeterFactory? meterFactory = null, InferBudgetOptions? budget = null)
    {
        _engine = engine;
        _nodeKey = nodeKey;
        _nodePublicKey = ByteString.CopyFrom(nodeKey.PublicKey.ToProtobuf());
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _maxMessageBytes = (int)Math.Min(int.MaxValue, engine.MaxRequestBytes + EnvelopeBytes);
        budget ??= InferBudgetOptions.Default;
        budget.Validate();
        Budget = new InferByteBudget(budget);
        Answered = new AnsweredRequests(AnsweredBytes, AnsweredAge, _time);
        InferJobInstruments.Register(meterFactory, Counters, Budget);
    }

    /// <summary>Jobs answered by this handler, on every stream it serves.</summary>
    public InferJobCounters Counters { get; } = new();

    /// <summary>Bytes of jobs in flight, in all and per peer.</summary>
    public InferByteBudget Budget { get; }

    /// <summary>Recent answers to requests with an idempotency key (<c>request_key</c>), by requester and key: replayed, never run or charged twice.</summary>
    public AnsweredRequests Answered { get; }

    /// <summary>Who may have a job and at what price (the market sets it on a node with a ledger); null serves everyone free.</summary>
    public IInferAdmission? Admission
    {
        get => Volatile.Read(ref _admission);
        set => Volatile.Write(ref _admission, value);
    }

    private IInferAdmission? _admission;

    /// <summary>Serves requests of <paramref name="peer"/> on <paramref name="stream"/> until it ends cleanly.</summary>
    /// <param name="peer">
    /// The remote peer, authenticated by the connection: the requester every receipt binds and every charge bills, whose
    /// jobs share one per-peer budget over all its streams.
    /// </param>
    /// <exception cref="InvalidDataException">Broken framing (oversized or truncated message); the stream cannot be resynchronized.</exception>
    public async Task HandleAsync(Stream stream, PeerId peer, CancellationToken ct)
    {
        while (await LengthPrefixedMessage.ReadLengthAsync(stream, _maxMessageBytes, ct).ConfigureAwait(false) is { } length)
        {
            var hold = new BudgetHold(Budget, peer);
            // Beside the job budget, the request's bytes count in the stream's resource scope (the peer's and the
            // system's memory limits, which all protocols share) until its answer is written.
            var scope = length > LengthPrefixedMessage.UnreservedSize ? (stream as IScopedStream)?.BufferScope : null;
            var reserved = false;
            try
            {
                InferResponse response;
                if (!hold.TryTake(length) || (scope is not null && !(reserved = scope.ReserveMemory(length, ReservationPriority.High))))
                {
                    // Refused before its bytes are held: they are read past in small pieces, so the stream stays in step.
                    await LengthPrefixedMessage.SkipBodyAsync(stream, length, ct).ConfigureAwait(false);
                    response = Counted(OverBudget("", length, "request"));
                }
                else
                {
                    var message = await LengthPrefixedMessage.ReadBodyAsync(stream, length, ct, reserve: false).ConfigureAwait(false);
                    response = await AnswerAsync(message, peer, hold, ct).ConfigureAwait(false);
                }
                await PooledMessageWriter.WriteAsync(stream, response, ct).ConfigureAwait(false);
            }
            finally
            {
                if (reserved) scope!.ReleaseMemory(length);
                hold.Release();
            }
        }
    }

    /// <summary>The response to one encoded request of this process's own gateway (the node is its own requester, bounded by the node's total budget); never throws for the request's content.</summary>
    internal Task<InferResponse> AnswerAsync(byte[] message, CancellationToken ct) => AnswerInProcessAsync(message, _nodeKey.PeerId, null, ct);

    /// <summary>The response to one encoded request of <paramref name="requester"/> (bounded by its per-peer budget); never throws for the request's content.</summary>
    internal Task<InferResponse> AnswerAsync(byte[] message, PeerId requester, CancellationToken ct) => AnswerInProcessAsync(message, requester, requester, ct);

    private async Task<InferResponse> AnswerInProcessAsync(byte[] message, PeerId requester, PeerId? budgetPeer, CancellationToken ct)
    {
        var hold = new BudgetHold(Budget, budgetPeer);
        try
        {
            return hold.TryTake(message.Length)
                ? await AnswerAsync(message, requester, hold, ct).ConfigureAwait(false)
                : Counted(OverBudget("", message.Length, "request"));
        }
        finally
        {
            hold.Release();
        }
    }

    private async Task<InferResponse> AnswerAsync(byte[] message, PeerId requester, BudgetHold hold, CancellationToken ct)
    {
        Counters.Started();
        InferenceErrorCode? failure = InferenceErrorCode.Internal;
        try
        {
            var response = await AnswerUncountedAsync(message, requester, hold, ct).ConfigureAwait(false);
            failure = response.Error is { } error ? (InferenceErrorCode)(int)error.Code : null;
            return response;
        }
        finally
        {
            Counters.Ended(failure);
        }
    }

    private InferResponse Counted(InferResponse refusal)
    {
        Counters.Started();
        Counters.Ended((InferenceErrorCode)(int)refusal.Error.Code);
        return refusal;
    }

    private InferResponse OverBudget(string jobId, long bytes, string what) =>
        Budget.CanEverFit(bytes)
            ? Failure(jobId, InferenceErrorCode.ResourceExhausted, $"no room now for a {what} of {bytes} bytes in this node's budget of bytes in flight ({Budget.Options.MaxBytesPerPeer} per peer, {Budget.Options.MaxBytes} in all); retry later or elsewhere")
            : Failure(jobId, InferenceErrorCode.BadInput, $"a {what} of {bytes} bytes exceeds this node's budget of {Math.Min(Budget.Options.MaxBytesPerPeer, Budget.Options.MaxBytes)} bytes per job");

    private async Task<InferResponse> AnswerUncountedAsync(byte[] message, PeerId requester, BudgetHold hold, CancellationToken ct)
    {
        InferRequest request;
        try
        {
            request = InferRequest.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Failure("", InferenceErrorCode.BadInput, $"request is not a valid InferRequest: {e.Message}");
        }
        using var job = StartJob(request);
        var response = request.RequestKey.IsEmpty
            ? await AnswerParsedAsync(request, requester, hold, job, ct).ConfigureAwait(false)
            : await AnswerKeyedAsync(request, requester, hold, job, ct).ConfigureAwait(false);
        if (job is not null)
        {
            if (response.Error is { } error)
            {
                job.SetTag(OutcomeTag, InferenceErrorCodes.Name((InferenceErrorCode)(int)error.Code));
                job.SetStatus(ActivityStatusCode.Error, error.Message);
            }
            else
            {
                job.SetTag(OutcomeTag, "served");
            }
        }
        return response;
    }

    /// <summary>
    /// A request with an idempotency key: answered from <see cref="Answered"/> when this requester's same request (same
    /// key and job id) was answered before (not run or charged again), else run and remembered when it succeeds.
    /// </summary>
    private async Task<InferResponse> AnswerKeyedAsync(InferRequest request, PeerId requester, BudgetHold hold, Activity? job, CancellationToken ct)
    {
        if (request.RequestKey.Length > AnsweredRequests.MaxKeyLength)
            return Failure(request.JobId, InferenceErrorCode.BadInput, $"request_key has {request.RequestKey.Length} bytes; at most {AnsweredRequests.MaxKeyLength}");
        while (Answered.Begin(requester, request.RequestKey.Span) is { } earlier)
        {
            if (await earlier.WaitAsync(ct).ConfigureAwait(false) is not { } answer) continue;
            var replay = InferResponse.Parser.ParseFrom(answer);
            if (replay.JobId != request.JobId)
                return Failure(request.JobId, InferenceErrorCode.BadInput, "request_key was used for another job id");
            job?.SetTag(ReplayTag, true);
            return replay;
        }
        InferResponse? response = null;
        try
        {
            response = await AnswerParsedAsync(request, requester, hold, job, ct).ConfigureAwait(false);
            return response;
        }
        finally
        {
            if (response is { Error: null }) Answered.Complete(requester, request.RequestKey.Span, response.ToByteArray());
            else Answered.Abandon(requester, request.RequestKey.Span);
        }
    }

    private const string ReplayTag = "cerebrum.replay";

    private async Task<InferResponse> AnswerParsedAsync(InferRequest request, PeerId requester, BudgetHold hold, Activity? job, CancellationToken ct)
    {
        try
        {
            if (request.DeadlineUnixMs <= 0)
                throw new InferenceException(InferenceErrorCode.BadInput, "deadline_unix_ms is required");
            if (request.DeadlineUnixMs > MaxDeadlineUnixMs)
                throw new InferenceException(InferenceErrorCode.BadInput, $"deadline_unix_ms {request.DeadlineUnixMs} is after the year 9999");
            var inputs = new List<Tensor>(request.Inputs.Count);
            foreach (var input in request.Inputs) inputs.Add(WireTensors.FromWire(input)); // views of the request's bytes
            var deadline = DateTimeOffset.FromUnixTimeMilliseconds(request.DeadlineUnixMs);
            // On Activity's own clock (the system's), whatever TimeProvider the handler runs on, so the spans line up.
            var submitted = job is null ? default : DateTimeOffset.UtcNow;
            var prepared = _engine.Prepare(new InferenceRequest(request.ModelHash, inputs, deadline));
            // The answer's outputs are held until it is written; with the request's bytes, they must fit the budget.
            if (prepared.Cost.OutputBytes is { } outputBytes && !hold.TryTake(outputBytes))
                return OverBudget(request.JobId, checked(hold.Bytes + outputBytes), "job (request and predicted outputs)");
            // Admitted once the request is known to be well formed and to fit, so a malformed or refused one is never charged.
            var admission = Admission?.Admit(new InferCaller(requester, request.ModelHash, request.ChannelId.Memory, request.Voucher.Memory, request.MaxPrice)) ?? InferAdmission.Free;
            if (!admission.Admitted) return Refusal(request.JobId, admission);
            var charged = false;
            try
            {
                var running = _engine.RunAsync(prepared, ct);
                // The input half of the receipt does not depend on the run: hash while the model works.
                var inputHash = InferReceipts.HashTensors(request.Inputs);
                var result = await running.ConfigureAwait(false);
                var response = new InferResponse
                {
                    JobId = request.JobId,
                    ModelHash = result.ModelHash,
                    QueueMicros = (ulong)(result.QueueTime.Ticks / TimeSpan.TicksPerMicrosecond),
                    ComputeMicros = (ulong)(result.ComputeTime.Ticks / TimeSpan.TicksPerMicrosecond),
                    NodePublicKey = _nodePublicKey,
                    Requester = UnsafeByteOperations.UnsafeWrap(requester.Bytes),
                    TimeUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
                    Price = admission.Price,
                    NodeNonce = UnsafeByteOperations.UnsafeWrap(RandomNumberGenerator.GetBytes(NodeNonceLength)),
                };
                // The engine's outputs are fresh arrays that nothing else holds, so the response can share them.
                foreach (var output in result.Outputs) response.Outputs.Add(WireTensors.Wrap(output));
                if (job is not null)
                    RecordEngineSpans(job, submitted, result);
                using (InferenceTracing.Source.StartActivity(InferenceTracing.ReceiptSign))
                    InferReceipts.SignResponse(response, _nodeKey, inputHash);
                // Persist before acknowledging: the answer (the requester's proof of payment) leaves only once the charge is durable.
                try
                {
                    await admission.Durable.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Job {Job}: its payment could not be persisted; not answered", request.JobId);
                    throw new InferenceException(InferenceErrorCode.Internal, "the node could not record the payment; nothing was charged");
                }
                charged = true;
                return response;
            }
            finally
            {
                if (!charged) admission.Refund?.Invoke();
            }
        }
        catch (InferenceException e)
        {
            _logger.LogDebug("Job {Job} on {Model} refused: {Code} {Reason}", request.JobId, request.ModelHash, e.Code, e.Message);
            return Failure(request.JobId, e.Code, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "Job {Job} on {Model} failed", request.JobId, request.ModelHash);
            return Failure(request.JobId, InferenceErrorCode.Internal, e.Message);
        }
    }

    /// <summary>A refused admission as a typed error: the price asked and, for payment errors, why and the node's best voucher.</summary>
    private InferResponse Refusal(string jobId, InferAdmission refused)
    {
        _logger.LogDebug("Job {Job} refused: {Code} {Reason}", jobId, refused.Error, refused.Message);
        var response = Failure(jobId, refused.Error!.Value, refused.Message);
        response.Price = refused.Price;
        response.PaymentError = refused.PaymentError;
        if (refused.BestVoucher is { } best) response.BestVoucher = ByteString.CopyFrom(best);
        return response;
    }

    /// <summary>The job's span, a child of the caller's span when the request carries its context (a root otherwise); null when tracing is off.</summary>
    private static Activity? StartJob(InferRequest request)
    {
        if (!InferenceTracing.Source.HasListeners()) return null;
        var parent = InferTraceContext.Extract(request);
        // Without a caller's context the job starts a trace of its own, whatever span the stream's task happens to carry.
        if (parent == default) Activity.Current = null;
        var job = InferenceTracing.Source.StartActivity(InferenceTracing.Job, ActivityKind.Server, parent);
        if (job is { IsAllDataRequested: true })
        {
            job.SetTag(JobIdTag, request.JobId);
            job.SetTag(ModelTag, request.ModelHash);
        }
        return job;
    }

    /// <summary>The queueing and the run as children of the job, from the times the engine measured (one run may serve a batch of jobs).</summary>
    private static void RecordEngineSpans(Activity job, DateTimeOffset submitted, InferenceResult result)
    {
        var runStarts = submitted + result.QueueTime;
        using (var queue = InferenceTracing.Source.StartActivity(InferenceTracing.Queue, ActivityKind.Internal, job.Context, startTime: submitted))
            queue?.SetEndTime(runStarts.UtcDateTime);
        using var run = InferenceTracing.Source.StartActivity(InferenceTracing.Run, ActivityKind.Internal, job.Context, startTime: runStarts);
        if (run is null) return;
        run.SetTag(ModelTag, result.ModelHash);
        run.SetTag(BatchTag, result.BatchRequests);
        run.SetEndTime((runStarts + result.ComputeTime).UtcDateTime);
    }

    private const string JobIdTag = "cerebrum.job_id";
    private const string ModelTag = "cerebrum.model";
    private const string BatchTag = "cerebrum.batch_requests";
    private const string OutcomeTag = "cerebrum.outcome";

    private InferResponse Failure(string jobId, InferenceErrorCode code, string message) => new()
    {
        JobId = jobId,
        NodePublicKey = _nodePublicKey,
        Error = new InferError { Code = (InferErrorCode)(int)code, Message = message },
    };

    /// <summary>What one job holds of the budget, given back once when its answer is out.</summary>
    private sealed class BudgetHold(InferByteBudget budget, PeerId? peer)
    {
        public long Bytes { get; private set; }

        public bool TryTake(long bytes)
        {
            if (!budget.TryReserve(peer, bytes)) return false;
            Bytes += bytes;
            return true;
        }

        public void Release()
        {
            budget.Release(peer, Bytes);
            Bytes = 0;
        }
    }
}
