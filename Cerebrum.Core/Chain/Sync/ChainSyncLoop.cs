using System.Threading.Channels;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Identify;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Chain.Sync;

/// <summary>
/// Keeps a <see cref="ChainNode"/> in step with its peers through <see cref="ChainSyncer"/>: a sync runs at start,
/// whenever identify shows a peer that serves <c>/cerebrum/sync/1.0.0</c>, whenever a peer is seen at a higher height
/// (<see cref="NoteRemoteHeight"/>, fed by the chain's gossip), and every interval. Only peers whose identify lists the
/// protocol are asked (a CLI's throwaway connection, which serves none, is never dialled for it). Its host owns the
/// loop's lifetime (<see cref="RunAsync"/>).
/// </summary>
public sealed class ChainSyncLoop
{
    private readonly PeerHost _host;
    private readonly ChainNode _chain;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChainSyncer _syncer;
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _bestKnownHeight;

    /// <param name="interval">How often peers are asked for their tip besides the events above.</param>
    public ChainSyncLoop(PeerHost host, ChainNode chain, TimeSpan interval, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _host = host;
        _chain = chain;
        _interval = interval;
        _time = time;
        _logger = loggerFactory.CreateLogger<ChainSyncLoop>();
        _syncer = new ChainSyncer(host, chain, logger: loggerFactory.CreateLogger<ChainSyncer>());
    }

    /// <summary>True while a peer or gossip has shown a higher height than this view has reached.</summary>
    public bool IsSyncing => (ulong)Interlocked.Read(ref _bestKnownHeight) > _chain.Status.Height;

    /// <summary>Notes that some peer is at <paramref name="height"/>; a sync starts when that is beyond this view.</summary>
    public void NoteRemoteHeight(ulong height)
    {
        var known = Interlocked.Read(ref _bestKnownHeight);
        while ((long)height > known)
        {
            var seen = Interlocked.CompareExchange(ref _bestKnownHeight, (long)height, known);
            if (seen == known) break;
            known = seen;
        }
        if (height > _chain.Status.Height) RequestSync();
    }

    public void RequestSync() => _requests.Writer.TryWrite(true);

    /// <summary>Syncs on every request and tick until cancelled (its end, not a failure: it then returns).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _host.Identify.PeerIdentified += OnPeerIdentified;
        try
        {
            RequestSync();
            await LoopAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown began: the loop's end, not a failure.
        }
        finally
        {
            _host.Identify.PeerIdentified -= OnPeerIdentified;
        }
    }

    private void OnPeerIdentified(object? sender, IdentifyResult result)
    {
        if (result.Protocols.Contains(SyncProtocolHandler.ProtocolId)) RequestSync();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        while (!cancellationToken.IsCancellationRequested)
        {
            var request = _requests.Reader.WaitToReadAsync(cancellationToken).AsTask();
            var woken = await Task.WhenAny(tick, request);
            if (woken == tick)
            {
                if (!await tick) return;
                tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
            }
            _requests.Reader.TryRead(out _);
            var peers = SyncPeers();
            if (peers.Count == 0) continue;
            try
            {
                var result = await _syncer.SyncAsync(peers, cancellationToken);
                // Peers' answers replace what gossip claimed, so a bogus height seen in gossip does not stick.
                Interlocked.Exchange(ref _bestKnownHeight, (long)result.BestPeerHeight);
                if (result.BlocksApplied > 0)
                    _logger.LogInformation("Synced {Count} blocks to height {Height}", result.BlocksApplied, result.Height);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Chain sync failed: {Reason}", e.Message);
            }
        }
    }

    /// <summary>The connected peers whose identify lists the sync protocol (a peer not identified yet is asked once it is).</summary>
    internal List<PeerId> SyncPeers() =>
        [.. _host.Connections.Select(c => c.RemotePeer).Distinct()
            .Where(peer => _host.PeerStore.Get(peer) is { } info && info.Protocols.Contains(SyncProtocolHandler.ProtocolId))];
}
