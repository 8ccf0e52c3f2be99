using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Protocols;

/// <summary>
/// <c>/cerebrum/lease/1.0.0</c>: the tenant (the stream's authenticated remote peer) sends one uvarint-length-prefixed
/// <see cref="LeaseRequest"/>; the node answers one <see cref="LeaseResponse"/>, countersigned terms or a typed error.
/// </summary>
public static class LeaseProtocol
{
    public const string ProtocolId = "/cerebrum/lease/1.0.0";

    /// <summary>A request names a chain, hours, a price and at most a few delegates: far below this.</summary>
    public const int MaxRequestBytes = 4 * 1024;

    public const int MaxResponseBytes = 4 * 1024;

    /// <summary>Serves lease requests with <paramref name="desk"/> on <paramref name="host"/>.</summary>
    public static void Register(PeerHost host, LeaseDesk desk) => host.SetHandler(ProtocolId, async (stream, ct) =>
    {
        var response = await AnswerAsync(stream.Stream, stream.Connection.RemotePeer, desk, ct).ConfigureAwait(false);
        await LengthPrefixedMessage.WriteAsync(stream.Stream, response.ToByteArray(), ct).ConfigureAwait(false);
    });

    /// <summary>Reads one request and decides it (a malformed one gets a BAD_REQUEST answer).</summary>
    /// <exception cref="InvalidDataException">Broken framing or an oversized request.</exception>
    public static async Task<LeaseResponse> AnswerAsync(Stream stream, PeerId tenant, LeaseDesk desk, CancellationToken ct)
    {
        var message = await LengthPrefixedMessage.ReadAsync(stream, MaxRequestBytes, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException("the stream ended before a lease request");
        LeaseRequest request;
        try
        {
            request = LeaseRequest.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new LeaseResponse { Error = new MarketError { Code = MarketErrorCode.BadRequest, Message = $"not a LeaseRequest: {e.Message}" } };
        }
        return desk.Answer(tenant, request);
    }

    /// <summary>Asks <paramref name="node"/> for a lease (tenant side).</summary>
    /// <exception cref="InvalidDataException">The node answered something unreadable.</exception>
    public static async Task<LeaseResponse> RequestAsync(PeerHost host, PeerId node, LeaseRequest request, CancellationToken ct)
    {
        await using var stream = await host.OpenStreamAsync(node, [ProtocolId], ct).ConfigureAwait(false);
        await LengthPrefixedMessage.WriteAsync(stream.Stream, request.ToByteArray(), ct).ConfigureAwait(false);
        var answer = await LengthPrefixedMessage.ReadAsync(stream.Stream, MaxResponseBytes, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{node} closed the stream without answering the lease request");
        try
        {
            return LeaseResponse.Parser.ParseFrom(answer);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{node} answered the lease request with something that is not a LeaseResponse: {e.Message}", e);
        }
    }
}
