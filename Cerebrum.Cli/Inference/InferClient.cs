using Cerebrum.Cli.Network;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multistream;
using Google.Protobuf;

namespace Cerebrum.Cli.Inference;

/// <summary>
/// Sends one job over <c>/cerebrum/infer/1.0.0</c> and checks the answer: the node's public key must be the connected
/// peer's and its signature over (job id, model hash, input hash, output hash) must verify. Every failure is one
/// <see cref="CommandFailedException"/> line; a node's typed error reads "&lt;error_type&gt;: &lt;message&gt;".
/// </summary>
public static class InferClient
{
    private const int MaxResponseBytes = 256 * 1024 * 1024;

    public static async Task<InferCallResult> InferAsync(DirectConnection peer, string model, IReadOnlyList<Tensor> inputs, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new InferRequest
        {
            JobId = Guid.NewGuid().ToString("N"),
            ModelHash = model,
            DeadlineUnixMs = DateTimeOffset.UtcNow.Add(timeout).ToUnixTimeMilliseconds(),
        };
        request.Inputs.AddRange(inputs.Select(WireTensors.ToWire));

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        InferResponse response;
        try
        {
            await using var stream = await peer.Connection.OpenStreamAsync(InferProtocolHandler.ProtocolId, limit.Token);
            await LengthPrefixedMessage.WriteAsync(stream.Stream, request.ToByteArray(), limit.Token);
            await stream.CompleteWritesAsync(limit.Token);
            var answer = await LengthPrefixedMessage.ReadAsync(stream.Stream, MaxResponseBytes, limit.Token)
                ?? throw new CommandFailedException($"the node closed the stream without answering job {request.JobId}");
            response = InferResponse.Parser.ParseFrom(answer);
        }
        catch (ProtocolNotSupportedException)
        {
            throw new CommandFailedException($"{DialFailureText.ProtocolNotSupported(InferProtocolHandler.ProtocolId)} (is the peer a cerebrumd in node mode?)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"timeout: no answer from {peer.Connection.RemotePeer} within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidProtocolBufferException or ObjectDisposedException)
        {
            throw new CommandFailedException($"infer failed: {e.Message}");
        }

        if (response.Error is { } error)
            throw new CommandFailedException($"{ErrorName(error.Code)}: {error.Message}");
        PublicKey nodeKey;
        try
        {
            nodeKey = PublicKey.FromProtobuf(response.NodePublicKey.Span);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException or InvalidProtocolBufferException)
        {
            throw new CommandFailedException($"receipt invalid: the node's public key does not decode ({e.Message})");
        }
        if (nodeKey.ToPeerId() != peer.Connection.RemotePeer)
            throw new CommandFailedException($"receipt invalid: signed by {nodeKey.ToPeerId()}, not by the connected peer {peer.Connection.RemotePeer}");
        if (!InferReceipts.Verify(request, response, nodeKey))
            throw new CommandFailedException("receipt invalid: the node's signature does not match the inputs and outputs");
        List<Tensor> outputs;
        try
        {
            outputs = [.. response.Outputs.Select(WireTensors.FromWire)];
        }
        catch (InferenceException e)
        {
            throw new CommandFailedException($"the node answered an output this client cannot read: {e.Message}");
        }
        return new InferCallResult(response.JobId, response.ModelHash, outputs,
            TimeSpan.FromMicroseconds(response.QueueMicros), TimeSpan.FromMicroseconds(response.ComputeMicros));
    }

    /// <summary>snake_case name of a wire error code ("unknown_model", "bad_input", "busy", "deadline_exceeded", "internal").</summary>
    public static string ErrorName(InferErrorCode code) => code switch
    {
        InferErrorCode.UnknownModel => "unknown_model",
        InferErrorCode.BadInput => "bad_input",
        InferErrorCode.Busy => "busy",
        InferErrorCode.DeadlineExceeded => "deadline_exceeded",
        InferErrorCode.Internal => "internal",
        _ => $"error {(int)code}",
    };
}
