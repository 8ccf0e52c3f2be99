using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Streams;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Chain.Sync;

/// <summary>
/// The client side of <c>/cerebrum/sync/1.0.0</c>: asks each peer in turn for its tip and fetches blocks from this
/// node's height + 1 upward, committing each through <see cref="ChainNode.Commit"/> (which verifies the commit and
/// re-executes the block, state root included). A peer that serves anything invalid, answers badly or times out is
/// recorded with a clear reason and the next peer is tried.
/// </summary>
public sealed class ChainSyncer
{
    private readonly PeerHost _host;
    private readonly ChainNode _chain;
    private readonly SyncOptions _options;
    private readonly ILogger _logger;

    public ChainSyncer(PeerHost host, ChainNode chain, SyncOptions? options = null, ILogger? logger = null)
    {
        _host = host;
        _chain = chain;
        _options = options ?? new SyncOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
    }

    private int MaxResponseBytes => _options.MaxResponseBytes + _chain.Params.MaxBlockBytes + 64 * 1024;

    public async Task<SyncResult> SyncAsync(IReadOnlyList<PeerId> peers, CancellationToken ct)
    {
        var start = _chain.Status.Height;
        var best = start;
        var failures = new List<SyncPeerFailure>();
        foreach (var peer in peers)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var failure = await SyncFromAsync(peer, h => best = Math.Max(best, h), ct).ConfigureAwait(false);
                if (failure is not null)
                {
                    _logger.LogWarning("Sync from {Peer} failed: {Reason}", peer, failure.Reason);
                    failures.Add(failure);
                }
            }
            // Whatever goes wrong with one peer (dial, negotiation, framing, timeout) only moves on to the next.
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var reason = e is OperationCanceledException ? $"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s" : e.Message;
                _logger.LogWarning("Sync from {Peer} failed: {Reason}", peer, reason);
                failures.Add(new SyncPeerFailure(peer, reason));
            }
        }
        return new SyncResult(start, _chain.Status.Height, best, failures);
    }

    private async Task<SyncPeerFailure?> SyncFromAsync(PeerId peer, Action<ulong> sawHeight, CancellationToken ct)
    {
        await using var stream = await WithTimeoutAsync(t => _host.OpenStreamAsync(peer, [SyncProtocolHandler.ProtocolId], t), ct).ConfigureAwait(false);
        var status = (await RequestAsync(stream, new SyncRequest { Status = new SyncStatusRequest() }, ct).ConfigureAwait(false)).Status;
        if (status is null) return new SyncPeerFailure(peer, "answered a status request without a status");
        if (status.ChainId != _chain.ChainId) return new SyncPeerFailure(peer, $"is on chain '{status.ChainId}', not '{_chain.ChainId}'");
        sawHeight(status.Height);
        while (_chain.Status.Height < status.Height)
        {
            var from = _chain.Status.Height + 1;
            var response = await RequestAsync(stream, new SyncRequest { Blocks = new SyncBlocksRequest { FromHeight = from, MaxCount = (uint)_options.MaxBlocksPerResponse } }, ct).ConfigureAwait(false);
            if (response.Error is { } error) return new SyncPeerFailure(peer, $"refused blocks from {from}: {error.Message}");
            if (response.Blocks is null || response.Blocks.Blocks.Count == 0)
                return new SyncPeerFailure(peer, $"claimed height {status.Height} but served no block {from}");
            foreach (var served in response.Blocks.Blocks)
            {
                var height = _chain.Status.Height + 1;
                if (_chain.Commit(served.Block.ToByteArray(), served.Commit.ToByteArray()) is { } invalid)
                    return new SyncPeerFailure(peer, $"served an invalid block {height}: {invalid}", invalid);
            }
            _logger.LogDebug("Synced to {Height} from {Peer}", _chain.Status.Height, peer);
        }
        return null;
    }

    private async Task<SyncResponse> RequestAsync(ProtocolStream stream, SyncRequest request, CancellationToken ct)
    {
        var bytes = await WithTimeoutAsync(async t =>
        {
            await LengthPrefixedMessage.WriteAsync(stream.Stream, request.ToByteArray(), t).ConfigureAwait(false);
            return await LengthPrefixedMessage.ReadAsync(stream.Stream, MaxResponseBytes, t).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        return bytes is null ? throw new InvalidDataException("closed the stream without answering") : SyncResponse.Parser.ParseFrom(bytes);
    }

    private async Task<T> WithTimeoutAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        return await operation(timeout.Token).ConfigureAwait(false);
    }
}
