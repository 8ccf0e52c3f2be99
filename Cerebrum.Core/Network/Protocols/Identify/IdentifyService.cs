using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Identify.Proto;
using Cerebrum.Core.Network.Records;
using Cerebrum.Core.Network.Streams;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Protocols.Identify;

/// <summary>
/// identify (/ipfs/id/1.0.0) and identify push (/ipfs/id/push/1.0.0): peers exchange keys, listen addresses,
/// protocols and agent versions. Results go into the host's peer store. Identifies every new connection, and pushes to
/// every connected peer when the host's protocols change.
/// </summary>
public sealed class IdentifyService : IPeerService
{
    public const string ProtocolId = "/ipfs/id/1.0.0";
    public const string PushProtocolId = "/ipfs/id/push/1.0.0";

    /// <summary>Bound on one identify exchange; real messages are a few hundred bytes.</summary>
    public const int MaxMessageSize = 64 * 1024;

    private const int MaxListenAddresses = 64;
    private const int MaxProtocols = 512;
    private readonly PeerHost _host;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;

    internal IdentifyService(PeerHost host, ILogger logger)
    {
        _host = host;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        Handlers = new Dictionary<string, ProtocolHandler>(StringComparer.Ordinal)
        {
            [ProtocolId] = HandleIdentifyAsync,
            [PushProtocolId] = HandlePushAsync,
        };
    }

    public IReadOnlyDictionary<string, ProtocolHandler> Handlers { get; }

    /// <summary>
    /// Raised after a peer's identify (or identify push) was recorded in the peer store: from then on its protocols
    /// are known, e.g. whether it serves a protocol worth opening a stream for. Raised on the identify task; handlers
    /// must not block.
    /// </summary>
    public event EventHandler<IdentifyResult>? PeerIdentified;

    /// <summary>Identifies the peer, within the handshake timeout.</summary>
    public void OnConnectionOpened(Connection connection) =>
        _tasks.Run($"identify {connection}", ct => IdentifyOnConnectAsync(connection, ct));

    /// <summary>Sends identify push to every connected peer (our protocols or addresses changed).</summary>
    internal void PushToAll()
    {
        foreach (var connection in _host.Connections)
            _tasks.Run("identify push", async ct =>
            {
                try
                {
                    await PushAsync(connection, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or ProtocolNotSupportedException)
                {
                    // The connection closed meanwhile, or the peer has no push: nothing to tell it.
                    _logger.LogDebug("Identify push to {Peer} not delivered: {Reason}", connection.RemotePeer, e.Message);
                }
            });
    }

    public ValueTask DisposeAsync() => _tasks.DisposeAsync();

    /// <summary>Asks the remote end of <paramref name="connection"/> to identify itself.</summary>
    public async Task<IdentifyResult> IdentifyAsync(Connection connection, CancellationToken ct = default)
    {
        await using var stream = await connection.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
        var message = await ReadMessageAsync(stream.Stream, ct).ConfigureAwait(false);
        var result = ToResult(connection, message, requireKey: true);
        if (result.ObservedAddress is { } observed)
            _host.RecordObservedAddress(connection, observed);
        Apply(result);
        return result;
    }

    /// <summary>Tells the remote that our protocols or addresses changed.</summary>
    public async Task PushAsync(Connection connection, CancellationToken ct = default)
    {
        await using var stream = await connection.OpenStreamAsync(PushProtocolId, ct).ConfigureAwait(false);
        await LengthPrefixedMessage.WriteAsync(stream.Stream, BuildMessage(connection).ToByteArray(), ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    private async Task IdentifyOnConnectAsync(Connection connection, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_host.Options.HandshakeTimeout);
            await IdentifyAsync(connection, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            _logger.LogDebug("Identify of {Peer} failed: {Reason}", connection.RemotePeer, e.Message);
        }
    }

    private async Task HandleIdentifyAsync(ProtocolStream stream, CancellationToken ct)
    {
        await LengthPrefixedMessage.WriteAsync(stream.Stream, BuildMessage(stream.Connection).ToByteArray(), ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    private async Task HandlePushAsync(ProtocolStream stream, CancellationToken ct)
    {
        var message = await ReadMessageAsync(stream.Stream, ct).ConfigureAwait(false);
        Apply(ToResult(stream.Connection, message, requireKey: false));
        _logger.LogDebug("Identify push from {Peer}", stream.Connection.RemotePeer);
    }

    internal IdentifyMessage BuildMessage(Connection connection)
    {
        var message = new IdentifyMessage
        {
            ProtocolVersion = _host.Options.ProtocolVersion,
            AgentVersion = _host.Options.AgentVersion,
            PublicKey = ByteString.CopyFrom(_host.Identity.PublicKey.ToProtobuf()),
            ObservedAddr = ByteString.CopyFrom(connection.RemoteAddress.ToBytes()),
        };
        message.Protocols.AddRange(_host.Protocols);
        // One look at the interfaces serves both the plain list and the signed record.
        var advertised = _host.AdvertisedAddresses;
        foreach (var address in advertised)
            message.ListenAddrs.Add(ByteString.CopyFrom(address.ToBytes()));
        message.SignedPeerRecord = ByteString.CopyFrom(_host.SignedPeerRecordOver(advertised).Span);
        return message;
    }

    /// <summary>Reads length-prefixed identify messages until the remote closes, merging them (go-libp2p may split one).</summary>
    internal static async Task<IdentifyMessage> ReadMessageAsync(Stream stream, CancellationToken ct)
    {
        var merged = new IdentifyMessage();
        var total = 0;
        var count = 0;
        while (await LengthPrefixedMessage.ReadAsync(stream, MaxMessageSize, ct).ConfigureAwait(false) is { } bytes)
        {
            total += bytes.Length;
            if (total > MaxMessageSize)
                throw new InvalidDataException($"identify messages exceed {MaxMessageSize} bytes");
            try
            {
                merged.MergeFrom(bytes);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"malformed identify message: {e.Message}", e);
            }
            count++;
        }
        if (count == 0)
            throw new InvalidDataException("the peer closed the identify stream without sending a message");
        return merged;
    }

    private IdentifyResult ToResult(Connection connection, IdentifyMessage message, bool requireKey)
    {
        PublicKey? key = null;
        if (message.HasPublicKey)
        {
            try
            {
                key = PublicKey.FromProtobuf(message.PublicKey.Span);
            }
            catch (Exception e) when (e is FormatException or NotSupportedException)
            {
                throw new InvalidDataException($"identify carried an unusable public key: {e.Message}", e);
            }
            if (!connection.RemotePeer.Matches(key))
                throw new InvalidDataException($"identify's public key belongs to {key.ToPeerId()}, not to the connected peer {connection.RemotePeer}");
        }
        else if (requireKey)
        {
            key = connection.RemotePublicKey;
        }

        var listen = new List<Multiaddress>();
        foreach (var bytes in message.ListenAddrs.Take(MaxListenAddresses))
        {
            try
            {
                listen.Add(Multiaddress.FromBytes(bytes.Span));
            }
            catch (FormatException e)
            {
                _logger.LogDebug("Skipping an unparsable listen address from {Peer}: {Reason}", connection.RemotePeer, e.Message);
            }
        }
        Multiaddress? observed = null;
        if (message.HasObservedAddr)
        {
            try
            {
                observed = Multiaddress.FromBytes(message.ObservedAddr.Span);
                // js-libp2p appends our own /p2p/<id>; the observed address is about the transport, so drop it.
                if (observed.PeerId is not null && observed.Components.Count > 1)
                    observed = observed.WithoutPeerId();
            }
            catch (FormatException)
            {
                // An observed address we cannot parse is only a hint; ignore it.
            }
        }
        PeerRecord? record = null;
        if (message.HasSignedPeerRecord)
        {
            try
            {
                record = PeerRecord.Open(message.SignedPeerRecord.Span, connection.RemotePeer);
            }
            catch (FormatException e)
            {
                // The plain listen addresses still apply; only the vouched-for copy is lost.
                _logger.LogDebug("Ignoring a bad signed peer record from {Peer}: {Reason}", connection.RemotePeer, e.Message);
            }
        }
        return new IdentifyResult
        {
            PeerId = connection.RemotePeer,
            PeerRecord = record,
            SignedPeerRecord = record is null ? default : message.SignedPeerRecord.Memory,
            PublicKey = key,
            AgentVersion = message.HasAgentVersion ? message.AgentVersion : null,
            ProtocolVersion = message.HasProtocolVersion ? message.ProtocolVersion : null,
            Protocols = [.. message.Protocols.Take(MaxProtocols)],
            ListenAddresses = listen,
            ObservedAddress = observed,
        };
    }

    private void Apply(IdentifyResult result)
    {
        _host.PeerStore.Update(result.PeerId, info => info with
        {
            PublicKey = result.PublicKey ?? info.PublicKey,
            AgentVersion = result.AgentVersion ?? info.AgentVersion,
            ProtocolVersion = result.ProtocolVersion ?? info.ProtocolVersion,
            Protocols = result.Protocols.Count > 0 ? result.Protocols : info.Protocols,
        });
        if (result.ListenAddresses.Count > 0)
            _host.PeerStore.AddAddresses(result.PeerId, result.ListenAddresses);
        if (result.PeerRecord is { } record)
            _host.PeerStore.AddPeerRecord(record, result.SignedPeerRecord);
        PeerIdentified?.Invoke(this, result);
    }
}
