using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// The node's side of <c>/cerebrum/infer/1.0.0</c> over any stream: reads length-prefixed <see cref="InferRequest"/>s until
/// the peer closes, runs each through the <see cref="InferenceEngine"/>, and answers each with a signed
/// <see cref="InferResponse"/> or a typed error. A bad request costs only its own answer; the stream keeps serving.
/// With an <see cref="Admission"/> (the market's), every job is admitted before it runs (price paid, lease respected) and
/// its charge is durable before the answer goes out. Every receipt binds the requester (the connection's authenticated
/// peer), the node's time, the price charged and a node nonce that makes the job id one the requester does not choose alone.
/// </summary>
public sealed class InferProtocolHandler
{
    public const string ProtocolId = "/cerebrum/infer/1.0.0";

    /// <summary>Room for the request's framing, ids and tensor headers beyond the engine's input-byte limit.</summary>
    private const int EnvelopeBytes = 64 * 1024;

    /// <summary>The last millisecond a <see cref="DateTimeOffset"/> can hold (the end of the year 9999).</summary>
    /// <summary>Bytes of the node's nonce in every receipt.</summary>
    public const int NodeNonceLength = 16;

    private static readonly long MaxDeadlineUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private readonly InferenceEngine _engine;
    private readonly PrivateKey _nodeKey;
    private readonly ByteString _nodePublicKey;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxMessageBytes;

    /// <param name="meterFactory">Publishes <see cref="Counters"/> (see <see cref="InferenceMetrics.Jobs"/>); null publishes nothing.</param>
    public InferProtocolHandler(InferenceEngine engine, PrivateKey nodeKey, ILogger? logger = null, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        _engine = engine;
        _nodeKey = nodeKey;
        _nodePublicKey = ByteString.CopyFrom(nodeKey.PublicKey.ToProtobuf());
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _maxMessageBytes = (int)Math.Min(int.MaxValue, engine.MaxRequestBytes + EnvelopeBytes);
        InferJobInstruments.Register(meterFactory, Counters);
    }

    /// <summary>Jobs answered by this handler, on every stream it serves.</summary>
    public InferJobCounters Counters { get; } = new();

    /// <summary>Who may have a job and at what price (the market sets it on a node with a ledger); null serves everyone free.</summary>
    public IInferAdmission? Admission
    {
        get => Volatile.Read(ref _admission);
        set => Volatile.Write(ref _admission, value);
    }

    private IInferAdmission? _admission;

    /// <summary>Serves requests of <paramref name="peer"/> on <paramref name="stream"/> until it ends cleanly.</summary>
    /// <param name="peer">The remote peer, authenticated by the connection: the requester every receipt binds and every charge bills.</param>
    /// <exception cref="InvalidDataException">Broken framing (oversized or truncated message); the stream cannot be resynchronized.</exception>
    public async Task HandleAsync(Stream stream, PeerId peer, CancellationToken ct)
    {
        while (await LengthPrefixedMessage.ReadAsync(stream, _maxMessageBytes, ct).ConfigureAwait(false) is { } message)
        {
            var response = await AnswerAsync(message, peer, ct).ConfigureAwait(false);
            await PooledMessageWriter.WriteAsync(stream, response, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The response to one encoded request of this process's own gateway (the node is its own requester); never throws for the request's content.</summary>
    internal Task<InferResponse> AnswerAsync(byte[] message, CancellationToken ct) => AnswerAsync(message, _nodeKey.PeerId, ct);

    /// <summary>The response to one encoded request of <paramref name="requester"/>; never throws for the request's content.</summary>
    internal async Task<InferResponse> AnswerAsync(byte[] message, PeerId requester, CancellationToken ct)
    {
        Counters.Started();
        InferenceErrorCode? failure = InferenceErrorCode.Internal;
        try
        {
            var response = await AnswerUncountedAsync(message, requester, ct).ConfigureAwait(false);
            failure = response.Error is { } error ? (InferenceErrorCode)(int)error.Code : null;
            return response;
        }
        finally
        {
            Counters.Ended(failure);
        }
    }

    private async Task<InferResponse> AnswerUncountedAsync(byte[] message, PeerId requester, CancellationToken ct)
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
        try
        {
            if (request.DeadlineUnixMs <= 0)
                throw new InferenceException(InferenceErrorCode.BadInput, "deadline_unix_ms is required");
            if (request.DeadlineUnixMs > MaxDeadlineUnixMs)
                throw new InferenceException(InferenceErrorCode.BadInput, $"deadline_unix_ms {request.DeadlineUnixMs} is after the year 9999");
            var inputs = new List<Tensor>(request.Inputs.Count);
            foreach (var input in request.Inputs) inputs.Add(WireTensors.FromWire(input)); // views of the request's bytes
            var deadline = DateTimeOffset.FromUnixTimeMilliseconds(request.DeadlineUnixMs);
            // Admitted after the request is known to be well formed, so a malformed one is never charged.
            var admission = Admission?.Admit(new InferCaller(requester, request.ModelHash, request.ChannelId.Memory, request.Voucher.Memory, request.MaxPrice)) ?? InferAdmission.Free;
            if (!admission.Admitted) return Refusal(request.JobId, admission);
            var charged = false;
            try
            {
                var running = _engine.RunAsync(new InferenceRequest(request.ModelHash, inputs, deadline), ct);
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

    private InferResponse Failure(string jobId, InferenceErrorCode code, string message) => new()
    {
        JobId = jobId,
        NodePublicKey = _nodePublicKey,
        Error = new InferError { Code = (InferErrorCode)(int)code, Message = message },
    };
}
