using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// The DHT over streams (the I/O edge of <see cref="KademliaCore"/>): requests and answers are length-prefixed
/// messages; a served stream answers requests until the remote closes it, and is reset (by the caller, on the
/// exception) at the first invalid one.
/// </summary>
public static class KademliaProtocol
{
    /// <summary>Sends <paramref name="request"/> and reads its answer; null for ADD_PROVIDER, which has none.</summary>
    /// <exception cref="InvalidDataException">The answer is missing, malformed, or of another type.</exception>
    public static async Task<KademliaMessage?> RequestAsync(Stream stream, KademliaMessage request, KademliaOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        await LengthPrefixedMessage.WriteAsync(stream, KademliaMessages.Encode(request), ct).ConfigureAwait(false);
        if (request.Type == KademliaMessageType.AddProvider)
            return null;
        var bytes = await LengthPrefixedMessage.ReadAsync(stream, options.MaxMessageSize, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException("the peer closed the DHT stream without answering");
        KademliaMessage answer;
        try
        {
            answer = KademliaMessages.Decode(bytes, options.MaxMessageSize, options.MaxRecordValueSize);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        if (answer.Type != request.Type)
            throw new InvalidDataException($"a {answer.Type} answer to a {request.Type} request");
        return answer;
    }

    /// <summary>
    /// Answers requests from <paramref name="remote"/> until it closes the stream. <paramref name="handle"/> is the
    /// owner's serialised call into its <see cref="KademliaCore"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A malformed or refused request (reset the stream).</exception>
    public static async Task ServeAsync(Stream stream, PeerId remote, Func<PeerId, byte[], byte[]?> handle, KademliaOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(options);
        while (await LengthPrefixedMessage.ReadAsync(stream, options.MaxMessageSize, ct).ConfigureAwait(false) is { } request)
        {
            byte[]? answer;
            try
            {
                answer = handle(remote, request);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"DHT request refused: {e.Message}", e);
            }
            if (answer is not null)
                await LengthPrefixedMessage.WriteAsync(stream, answer, ct).ConfigureAwait(false);
        }
    }
}
