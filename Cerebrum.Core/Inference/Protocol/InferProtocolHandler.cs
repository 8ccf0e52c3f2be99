using System.Diagnostics.Metrics;
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
/// </summary>
public sealed class InferProtocolHandler
{
    public const string ProtocolId = "/cerebrum/infer/1.0.0";

    /// <summary>Room for the request's framing, ids and tensor headers beyond the engine's input-byte limit.</summary>
    private const int EnvelopeBytes = 64 * 1024;

    /// <summary>The last millisecond a <see cref="DateTimeOffset"/> can hold (the end of the year 9999).</summary>
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

    /// <summary>Serves requests on <paramref name="stream"/> until it ends cleanly.</summary>
    /// <exception cref="InvalidDataException">Broken framing (oversized or truncated message); the stream cannot be resynchronized.</exception>
    public async Task HandleAsync(Stream stream, CancellationToken ct)
    {
        while (await LengthPrefixedMessage.ReadAsync(stream, _maxMessageBytes, ct).ConfigureAwait(false) is { } message)
        {
            var response = await AnswerAsync(message, ct).ConfigureAwait(false);
            await PooledMessageWriter.WriteAsync(stream, response, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The response to one encoded request; never throws for the request's content.</summary>
    internal async Task<InferResponse> AnswerAsync(byte[] message, CancellationToken ct)
    {
        Counters.Started();
        InferenceErrorCode? failure = InferenceErrorCode.Internal;
        try
        {
            var response = await AnswerUncountedAsync(message, ct).ConfigureAwait(false);
            failure = response.Error is { } error ? (InferenceErrorCode)(int)error.Code : null;
            return response;
        }
        finally
        {
            Counters.Ended(failure);
        }
    }

    private async Task<InferResponse> AnswerUncountedAsync(byte[] message, CancellationToken ct)
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
            };
            // The engine's outputs are fresh arrays that nothing else holds, so the response can share them.
            foreach (var output in result.Outputs) response.Outputs.Add(WireTensors.Wrap(output));
            InferReceipts.SignResponse(response, _nodeKey, inputHash);
            return response;
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

    private InferResponse Failure(string jobId, InferenceErrorCode code, string message) => new()
    {
        JobId = jobId,
        NodePublicKey = _nodePublicKey,
        Error = new InferError { Code = (InferErrorCode)(int)code, Message = message },
    };
}
