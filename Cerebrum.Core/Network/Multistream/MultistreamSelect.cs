using System.Diagnostics;
using System.Text;

namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// multistream-select 1.0 over a stream. Reads never go past the last negotiation message (the length prefix
/// byte by byte, then exactly the body), so bytes the peer pipelines right behind it stay in the stream for the
/// negotiated protocol.
/// </summary>
public static class MultistreamSelect
{
    public const string ProtocolId = "/multistream/1.0.0";

    /// <summary>Bounds how long a peer can keep a listener busy with rejected proposals or <c>ls</c> requests.</summary>
    private const int MaxProposals = 64;

    /// <summary>
    /// Dialer side: proposes <paramref name="protocols"/> in order and returns the one the listener accepts. The
    /// header and the first proposal go out in one write.
    /// </summary>
    /// <exception cref="ProtocolNotSupportedException">The listener answered <c>na</c> to every proposal.</exception>
    /// <exception cref="MultistreamProtocolException">The listener broke the protocol.</exception>
    /// <exception cref="EndOfStreamException">The stream ended during negotiation.</exception>
    public static async Task<string> SelectAsync(Stream stream, IReadOnlyList<string> protocols, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(protocols);
        if (protocols.Count == 0)
            throw new ArgumentException("at least one protocol must be proposed", nameof(protocols));
        foreach (var protocol in protocols)
            ValidateProtocol(protocol);

        var reader = new MessageReader(stream);
        await WriteAsync(stream, MultistreamMessage.Encode(ProtocolId, protocols[0]), ct);
        var header = await reader.ReadAsync(ct);
        if (header != ProtocolId)
            throw new MultistreamProtocolException($"multistream-select: expected the header '{ProtocolId}' from the listener, got '{header}'");
        for (var i = 0; i < protocols.Count; i++)
        {
            if (i > 0)
                await WriteAsync(stream, MultistreamMessage.Encode(protocols[i]), ct);
            var answer = await reader.ReadAsync(ct);
            if (answer == protocols[i])
                return answer;
            if (answer != MultistreamMessage.NotAvailable)
                throw new MultistreamProtocolException($"multistream-select: listener answered '{answer}' to the proposal '{protocols[i]}' (expected the echo or 'na')");
        }
        throw new ProtocolNotSupportedException(protocols);
    }

    /// <summary>
    /// Dialer side, optimistic ("lazy") form for a single protocol: returns at once a stream whose first write
    /// carries the header and the proposal ahead of the application's bytes, and whose first read checks the
    /// listener's answer. Saves the round trip when the dialer has only one choice anyway (as for /noise): if the
    /// listener refuses, the connection fails either way, just with a read-side error.
    /// </summary>
    public static Stream SelectLazy(Stream stream, string protocol)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ValidateProtocol(protocol);
        return new LazySelectStream(stream, protocol);
    }

    /// <summary>
    /// Listener side: answers the header, then each proposal with its echo when <paramref name="isSupported"/>
    /// accepts it or <c>na</c> otherwise, and <c>ls</c> with <paramref name="listable"/> (or <c>na</c> when null).
    /// </summary>
    /// <returns>The protocol agreed on.</returns>
    /// <exception cref="MultistreamProtocolException">The dialer broke the protocol or made too many proposals.</exception>
    /// <exception cref="EndOfStreamException">The stream ended during negotiation.</exception>
    public static async Task<string> HandleAsync(Stream stream, Func<string, bool> isSupported, IReadOnlyCollection<string>? listable, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(isSupported);

        // The header goes out before anything is read: a dialer that waits for it before proposing would
        // otherwise deadlock with us (the README allows both sides to send it straight away).
        await WriteAsync(stream, MultistreamMessage.Encode(ProtocolId), ct);
        var reader = new MessageReader(stream);
        var header = await reader.ReadAsync(ct);
        if (header != ProtocolId)
            throw new MultistreamProtocolException($"multistream-select: expected the header '{ProtocolId}' from the dialer, got '{header}'");
        for (var i = 0; i < MaxProposals; i++)
        {
            var proposal = await reader.ReadAsync(ct);
            if (proposal == MultistreamMessage.List)
            {
                await WriteAsync(stream, listable is null ? MultistreamMessage.Encode(MultistreamMessage.NotAvailable) : MultistreamMessage.EncodeList(listable), ct);
                continue;
            }
            if (proposal != MultistreamMessage.NotAvailable && isSupported(proposal))
            {
                await WriteAsync(stream, MultistreamMessage.Encode(proposal), ct);
                return proposal;
            }
            await WriteAsync(stream, MultistreamMessage.Encode(MultistreamMessage.NotAvailable), ct);
        }
        throw new MultistreamProtocolException($"multistream-select: dialer made more than {MaxProposals} proposals without agreement");
    }

    internal static void ValidateProtocol(string protocol)
    {
        if (string.IsNullOrEmpty(protocol))
            throw new ArgumentException("protocol IDs cannot be empty", nameof(protocol));
        if (protocol.Contains('\n', StringComparison.Ordinal))
            throw new ArgumentException($"protocol ID '{protocol}' contains a newline", nameof(protocol));
        if (protocol is MultistreamMessage.NotAvailable or MultistreamMessage.List or ProtocolId)
            throw new ArgumentException($"'{protocol}' is reserved by multistream-select", nameof(protocol));
        if (Encoding.UTF8.GetByteCount(protocol) + 1 > MultistreamMessage.DefaultMaxLength)
            throw new ArgumentException($"protocol ID '{protocol}' is longer than peers accept ({MultistreamMessage.DefaultMaxLength - 1} bytes)", nameof(protocol));
    }

    private static async ValueTask WriteAsync(Stream stream, byte[] bytes, CancellationToken ct)
    {
        await stream.WriteAsync(bytes, ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>Reads whole messages, never asking the stream for more than the decoder says the message still needs.</summary>
    internal sealed class MessageReader(Stream stream)
    {
        private readonly MultistreamMessageDecoder _decoder = new();
        private readonly byte[] _buffer = new byte[MultistreamMessage.DefaultMaxLength];

        public async ValueTask<string> ReadAsync(CancellationToken ct)
        {
            while (true)
            {
                var read = await stream.ReadAsync(_buffer.AsMemory(0, _decoder.BytesNeeded), ct);
                if (read == 0)
                    throw new EndOfStreamException("the stream ended during multistream-select negotiation");
                var consumed = _decoder.Decode(_buffer.AsSpan(0, read), out var message);
                Debug.Assert(consumed == read, "BytesNeeded never spans past the end of a message");
                if (message is not null)
                    return message;
            }
        }
    }
}
