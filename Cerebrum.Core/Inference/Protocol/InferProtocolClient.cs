using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Streams;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// The caller's side of <c>/cerebrum/infer/1.0.0</c>: sends one <see cref="InferRequest"/> on a fresh stream of a
/// connection, reads the <see cref="InferResponse"/>, and accepts it only when the node's public key is the connected
/// peer's and its signed receipt matches the inputs sent and the outputs received. Every failure is one
/// <see cref="InferCallException"/>; cancellation (the caller's deadline) surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public static class InferProtocolClient
{
    public const int DefaultMaxResponseBytes = 256 * 1024 * 1024;

    /// <summary>How far a receipt's time may lie after the request's deadline (clock skew between requester and node).</summary>
    public static readonly TimeSpan ReceiptClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A request for <paramref name="model"/> (hash or the node's name) with a fresh job id, carrying the current Cerebrum span's trace context (<see cref="InferTraceContext"/>).</summary>
    public static InferRequest CreateRequest(string model, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline)
    {
        var request = new InferRequest
        {
            JobId = Guid.NewGuid().ToString("N"),
            ModelHash = model,
            DeadlineUnixMs = deadline.ToUnixTimeMilliseconds(),
        };
        request.Inputs.AddRange(inputs.Select(WireTensors.ToWire));
        InferTraceContext.Inject(request);
        return request;
    }

    /// <summary>Adds a payment to <paramref name="request"/>: the channel, an encoded voucher (null: the credit already signed covers it) and the most it pays.</summary>
    public static InferRequest WithPayment(InferRequest request, ReadOnlySpan<byte> channelId, byte[]? voucher, ulong maxPrice)
    {
        request.ChannelId = ByteString.CopyFrom(channelId);
        request.Voucher = voucher is null ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(voucher);
        request.MaxPrice = maxPrice;
        return request;
    }

    /// <summary>Runs <paramref name="inputs"/> on <paramref name="model"/> as a new job, paid with <paramref name="payment"/> when given, on a pooled stream; the receipt must bind <paramref name="requester"/>.</summary>
    /// <exception cref="InferCallException">The node refused the job, the exchange broke, or the answer does not verify.</exception>
    public static Task<InferCallResult> InferAsync(Connection connection, string model, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, InferPayment? payment, PeerId requester,
        InferStreamPool pool, CancellationToken ct)
    {
        var request = CreateRequest(model, inputs, deadline);
        if (payment is not null) WithPayment(request, payment.ChannelId, payment.Voucher, payment.MaxPrice);
        return InferAsync(connection, request, ct, pool: pool, requester: requester);
    }

    /// <summary>Runs <paramref name="inputs"/> on <paramref name="model"/> (hash or the node's name) as a new job; see the overload taking a request.</summary>
    /// <exception cref="InferCallException">The node refused the job, the exchange broke, or the answer does not verify.</exception>
    public static Task<InferCallResult> InferAsync(Connection connection, string model, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken ct, InferStreamPool? pool = null) =>
        InferAsync(connection, CreateRequest(model, inputs, deadline), ct, pool: pool);

    /// <param name="pool">When given, the job reuses an idle stream of the connection and leaves it open for the next;
    /// without it, the job has a stream of its own, half-closed after the request.</param>
    /// <exception cref="InferCallException">The node refused the job, the exchange broke, or the answer does not verify.</exception>
    /// <param name="requester">This side's peer ID (the host's): the receipt must bind it. Null accepts any requester the
    /// receipt names (its signature, hashes, price and time are checked all the same).</param>
    public static async Task<InferCallResult> InferAsync(Connection connection, InferRequest request, CancellationToken ct, int maxResponseBytes = DefaultMaxResponseBytes, InferStreamPool? pool = null,
        PeerId? requester = null)
    {
        var response = pool is null
            ? await ExchangeAsync(connection, request, maxResponseBytes, ct).ConfigureAwait(false)
            : await ExchangePooledAsync(connection, pool, request, maxResponseBytes, ct).ConfigureAwait(false);
        ThrowIfRefused(response);
        return Accept(request, response, ReceiptKey(connection, response.NodePublicKey.Span), requester);
    }

    /// <summary>
    /// The job run by this process's own node (a daemon in node and gateway mode, routing to itself: a host cannot dial
    /// itself). The request goes through the handler as encoded bytes and the answer is checked as a remote one is, so
    /// a local job has the same limits, errors and signed receipt.
    /// </summary>
    /// <exception cref="InferCallException">The node refused the job, or its answer does not verify.</exception>
    public static Task<InferCallResult> InferLocallyAsync(InferProtocolHandler node, PublicKey nodeKey, string model, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken ct) =>
        InferLocallyAsync(node, nodeKey, CreateRequest(model, inputs, deadline), ct);

    /// <inheritdoc cref="InferLocallyAsync(InferProtocolHandler, PublicKey, string, IReadOnlyList{Tensor}, DateTimeOffset, CancellationToken)"/>
    public static async Task<InferCallResult> InferLocallyAsync(InferProtocolHandler node, PublicKey nodeKey, InferRequest request, CancellationToken ct)
    {
        var response = await node.AnswerAsync(request.ToByteArray(), ct).ConfigureAwait(false);
        ThrowIfRefused(response);
        return Accept(request, response, nodeKey, nodeKey.ToPeerId());
    }

    /// <summary>A job of <paramref name="requester"/> run by an in-process node (tests; a requester that hosts the node it pays).</summary>
    /// <exception cref="InferCallException">The node refused the job, or its answer does not verify.</exception>
    internal static async Task<InferCallResult> InferInProcessAsync(InferProtocolHandler node, PublicKey nodeKey, PeerId requester, InferRequest request, CancellationToken ct)
    {
        var response = await node.AnswerAsync(request.ToByteArray(), requester, ct).ConfigureAwait(false);
        ThrowIfRefused(response);
        return Accept(request, response, nodeKey, requester);
    }

    private static void ThrowIfRefused(InferResponse response)
    {
        if (response.Error is { } error)
        {
            // The wire's codes are the engine's, number for number.
            var code = (InferenceErrorCode)(int)error.Code;
            throw new InferCallException(InferCallFailure.NodeError, $"{InferenceErrorCodes.Name(code)}: {error.Message}", code)
            {
                Price = response.Price,
                PaymentError = response.PaymentError,
                BestVoucher = response.BestVoucher.IsEmpty ? null : response.BestVoucher.ToByteArray(),
            };
        }
    }

    private static InferCallResult Accept(InferRequest request, InferResponse response, PublicKey nodeKey, PeerId? requester)
    {
        bool valid;
        using (InferenceTracing.Source.StartActivity(InferenceTracing.ReceiptVerify))
            valid = InferReceipts.Verify(request, response, nodeKey);
        if (!valid)
            throw new InferCallException(InferCallFailure.InvalidAnswer, "receipt invalid: the node's signature does not match the inputs and outputs");
        // A job routed by hash must come back signed for that hash: a receipt for other model bytes proves nothing.
        if (ModelHash.IsValid(request.ModelHash) && !string.Equals(ModelHash.Normalize(request.ModelHash), ModelHash.IsValid(response.ModelHash) ? ModelHash.Normalize(response.ModelHash) : response.ModelHash, StringComparison.Ordinal))
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: the node ran model {response.ModelHash}, the job asked for {request.ModelHash}");
        var binding = CheckBinding(request, response, requester);
        List<Tensor> outputs;
        try
        {
            outputs = [.. response.Outputs.Select(WireTensors.FromWire)];
        }
        catch (InferenceException e)
        {
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"the node answered an output this client cannot read: {e.Message}", inner: e);
        }
        return new InferCallResult(response.JobId, response.ModelHash, outputs,
            TimeSpan.FromMicroseconds(response.QueueMicros), TimeSpan.FromMicroseconds(response.ComputeMicros),
            new VerifiedReceipt(response.InputHash.ToByteArray(), response.OutputHash.ToByteArray(), response.Signature.ToByteArray()), binding);
    }

    /// <summary>
    /// What the signed receipt binds, checked against what this side sent: its requester (when known), a price no higher
    /// than the request offered (nothing when it carried no payment), a time not after the deadline (plus clock skew) and a
    /// node nonce of the right size.
    /// </summary>
    private static InferReceiptBinding CheckBinding(InferRequest request, InferResponse response, PeerId? requester)
    {
        PeerId bound;
        try
        {
            bound = PeerId.FromBytes(response.Requester.Span);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: its requester does not decode ({e.Message})", inner: e);
        }
        if (requester is not null && bound != requester)
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: it names requester {bound}, not {requester}");
        var paid = !request.ChannelId.IsEmpty;
        if (!paid && response.Price != 0)
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: it charges {response.Price} micro-CER for a job sent without payment");
        if (request.MaxPrice != 0 && response.Price > request.MaxPrice)
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: it charges {response.Price} micro-CER, above the {request.MaxPrice} offered");
        if (response.NodeNonce.Length != InferProtocolHandler.NodeNonceLength)
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: its node nonce has {response.NodeNonce.Length} bytes, not {InferProtocolHandler.NodeNonceLength}");
        var latest = request.DeadlineUnixMs + (long)ReceiptClockSkew.TotalMilliseconds;
        if (response.TimeUnixMs <= 0 || response.TimeUnixMs > latest)
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: its time {response.TimeUnixMs} is not within the job's deadline {request.DeadlineUnixMs} (plus {ReceiptClockSkew} of clock skew)");
        return new InferReceiptBinding(bound, DateTimeOffset.FromUnixTimeMilliseconds(response.TimeUnixMs), response.Price,
            InferReceipts.BoundJobId(response.JobId, response.NodeNonce.Span), InferReceipts.ReceiptHash(response)) { NodeNonce = response.NodeNonce.ToByteArray() };
    }

    /// <summary>The key that signed the receipt, which must be the connected peer's.</summary>
    /// <remarks>
    /// A node announces the key the connection already authenticated (Noise), so that key, decoded once per connection,
    /// is used when the bytes match: decoding a secp256k1 key (a field square root) costs about 15 us per job.
    /// </remarks>
    private static PublicKey ReceiptKey(Connection connection, ReadOnlySpan<byte> announced)
    {
        var peerKey = connection.RemotePublicKey;
        if (announced.SequenceEqual(peerKey.ToProtobuf())) return peerKey;
        PublicKey nodeKey;
        try
        {
            nodeKey = PublicKey.FromProtobuf(announced);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException or NotSupportedException or InvalidProtocolBufferException)
        {
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: the node's public key does not decode ({e.Message})", inner: e);
        }
        if (nodeKey.ToPeerId() != connection.RemotePeer)
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"receipt invalid: signed by {nodeKey.ToPeerId()}, not by the connected peer {connection.RemotePeer}");
        return nodeKey;
    }

    private static async Task<InferResponse> ExchangePooledAsync(Connection connection, InferStreamPool pool, InferRequest request, int maxResponseBytes, CancellationToken ct)
    {
        var message = request.ToByteArray();
        // An idle stream may have died since (the node reset it); then the job goes once more on a fresh stream.
        while (pool.TryRent(connection) is { } idle)
        {
            if (await TryExchangeOnAsync(idle, pool, message, maxResponseBytes, ct).ConfigureAwait(false) is { } answer)
                return Parse(answer);
        }
        ProtocolStream stream;
        try
        {
            stream = await OpenStreamAsync(connection, ct).ConfigureAwait(false);
        }
        catch (ProtocolNotSupportedException e)
        {
            throw new InferCallException(InferCallFailure.ProtocolNotSupported, DialFailureText.ProtocolNotSupported(InferProtocolHandler.ProtocolId), inner: e);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new InferCallException(InferCallFailure.Transport, $"infer failed: {e.Message}", inner: e);
        }
        return Parse(await TryExchangeOnAsync(stream, pool, message, maxResponseBytes, ct).ConfigureAwait(false)
            ?? throw new InferCallException(InferCallFailure.Transport, $"the node closed the stream without answering job {request.JobId}"));
    }

    /// <summary>One request and its answer on <paramref name="stream"/>, which goes back to the pool afterwards; null when the stream broke.</summary>
    private static async Task<byte[]?> TryExchangeOnAsync(ProtocolStream stream, InferStreamPool pool, byte[] message, int maxResponseBytes, CancellationToken ct)
    {
        byte[]? answer = null;
        try
        {
            await LengthPrefixedMessage.WriteAsync(stream.Stream, message, ct).ConfigureAwait(false);
            answer = await LengthPrefixedMessage.ReadAsync(stream.Stream, maxResponseBytes, ct).ConfigureAwait(false);
            return answer;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
        finally
        {
            if (answer is not null) await pool.ReturnAsync(stream).ConfigureAwait(false);
            else await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static InferResponse Parse(byte[] answer)
    {
        try
        {
            return InferResponse.Parser.ParseFrom(answer);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"the node's answer is not an InferResponse: {e.Message}", inner: e);
        }
    }

    private static async Task<InferResponse> ExchangeAsync(Connection connection, InferRequest request, int maxResponseBytes, CancellationToken ct)
    {
        try
        {
            await using var stream = await OpenStreamAsync(connection, ct).ConfigureAwait(false);
            await LengthPrefixedMessage.WriteAsync(stream.Stream, request.ToByteArray(), ct).ConfigureAwait(false);
            await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
            var answer = await LengthPrefixedMessage.ReadAsync(stream.Stream, maxResponseBytes, ct).ConfigureAwait(false)
                ?? throw new InferCallException(InferCallFailure.Transport, $"the node closed the stream without answering job {request.JobId}");
            return InferResponse.Parser.ParseFrom(answer);
        }
        catch (ProtocolNotSupportedException e)
        {
            throw new InferCallException(InferCallFailure.ProtocolNotSupported, DialFailureText.ProtocolNotSupported(InferProtocolHandler.ProtocolId), inner: e);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InferCallException(InferCallFailure.InvalidAnswer, $"the node's answer is not an InferResponse: {e.Message}", inner: e);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException or OperationCanceledException)
        {
            // A stream reset or a connection closing under the call (not our cancellation) is a transport failure.
            throw new InferCallException(InferCallFailure.Transport, $"infer failed: {e.Message}", inner: e);
        }
    }

    /// <summary>Opens the infer stream; the one place to switch to lazy multistream-select (no extra round trip) later.</summary>
    private static Task<ProtocolStream> OpenStreamAsync(Connection connection, CancellationToken ct) =>
        connection.OpenStreamAsync(InferProtocolHandler.ProtocolId, ct);
}
