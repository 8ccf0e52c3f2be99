using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Sync;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Network;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class ChainSyncTests
{
    private static readonly SyncOptions Paged = new() { MaxBlocksPerResponse = 16, RequestTimeout = TestHosts.Timeout };

    private ChainFixture _source = null!;

    [OneTimeSetUp]
    public void BuildSourceChain()
    {
        _source = new ChainFixture();
        for (ulong i = 0; i < 50; i++)
        {
            if (i % 2 == 0) _source.Submit(Txs.Transfer(_source.Alice, i / 2, _source.Bob.PeerId, 1 + i));
            if (i % 7 == 0) _source.Submit(Txs.Stake(_source.Carol, i / 7, 2_000));
            _source.CommitNext();
        }
        Assert.That(_source.Node.Status.Height, Is.EqualTo(50));
    }

    [OneTimeTearDown]
    public void DisposeSourceChain() => _source.Dispose();

    /// <summary>Serves the source chain, passing every served block through <paramref name="tamper"/>.</summary>
    private async Task<PeerHost> ServeAsync(Action<CommittedBlock>? tamper = null)
    {
        var host = await TestHosts.StartAsync();
        var honest = new SyncProtocolHandler(_source.Node, Paged);
        if (tamper is null)
        {
            honest.Register(host);
            return host;
        }
        host.SetHandler(SyncProtocolHandler.ProtocolId, async (stream, ct) =>
        {
            while (await LengthPrefixedMessage.ReadAsync(stream.Stream, SyncProtocolHandler.MaxRequestBytes, ct) is { } request)
            {
                var response = honest.Answer(request);
                foreach (var block in response.Blocks?.Blocks ?? [])
                    tamper(block);
                await LengthPrefixedMessage.WriteAsync(stream.Stream, response.ToByteArray(), ct);
            }
        });
        return host;
    }

    private static ulong HeightOf(CommittedBlock block) => Block.Parser.ParseFrom(block.Block).Header.Height;

    private static bool CommitProves(ChainNode node, ulong height) =>
        node.GetBlock(height) is { } block && node.GetValidatorSet(height) is { } validators
        && new CommitVerifier(ChainFixture.ChainId).Verify(block.Commit, (long)height, block.Hash, validators).IsValid;

    private async Task<(SyncResult Result, ChainFixture Fresh)> SyncFreshAsync(params PeerHost[] peers)
    {
        var fresh = new ChainFixture(sameGenesisAs: _source);
        await using var client = await TestHosts.StartAsync();
        foreach (var peer in peers)
            await client.DialAsync(TestHosts.AddressOf(peer)).WaitAsync(TestHosts.Timeout);
        using var timeout = new CancellationTokenSource(TestHosts.Timeout);
        var result = await new ChainSyncer(client, fresh.Node, Paged).SyncAsync([.. peers.Select(p => p.PeerId)], timeout.Token);
        return (result, fresh);
    }

    [Test]
    public async Task The_sync_loop_asks_only_peers_whose_identify_lists_the_sync_protocol()
    {
        // Issue 16 item 9: validators logged "Sync from … failed: the peer supports none of the proposed protocols" for
        // every CLI throwaway connection.
        using var fresh = new ChainFixture(sameGenesisAs: _source);
        await using var node = await TestHosts.StartAsync();
        var logs = new RecordingLoggerFactory();
        var loop = new ChainSyncLoop(node, fresh.Node, TimeSpan.FromHours(1), TimeProvider.System, logs);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);

        await using var throwaway = await TestHosts.StartAsync();
        await throwaway.DialAsync(TestHosts.AddressOf(node)).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => node.PeerStore.Get(throwaway.PeerId) is { Protocols.Count: > 0 }, TestHosts.Timeout);
        loop.RequestSync();
        Assert.That(loop.SyncPeers(), Is.Empty, "identified, and it serves no sync");
        node.PeerStore.Remove(throwaway.PeerId);
        Assert.That(loop.SyncPeers(), Is.Empty, "connected but not identified (yet): not asked either");

        await using var server = await ServeAsync();
        await server.DialAsync(TestHosts.AddressOf(node)).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => fresh.Node.Status.Height == _source.Node.Status.Height, TestHosts.Timeout);
        Assert.That(loop.SyncPeers(), Is.EqualTo(new[] { server.PeerId }), "its identify made the loop sync at once, from it alone");

        await stop.CancelAsync();
        await running;
        Assert.That(logs.Messages.Where(m => m.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(m => m.Message), Is.Empty);
    }

    [Test]
    public async Task A_fresh_store_syncs_the_whole_chain_and_ends_with_the_same_state()
    {
        await using var server = await ServeAsync();
        var (result, fresh) = await SyncFreshAsync(server);
        using (fresh)
        {
            Assert.Multiple(() =>
            {
                Assert.That(result.Failures, Is.Empty);
                Assert.That(result.BlocksApplied, Is.EqualTo(50));
                Assert.That(result.CaughtUp, Is.True);
                Assert.That(fresh.Node.Status.StateRoot, Is.EqualTo(_source.Node.Status.StateRoot));
                Assert.That(fresh.Node.Status.LastHash, Is.EqualTo(_source.Node.Status.LastHash));
                Assert.That(fresh.Node.GetAccount(fresh.Bob.PeerId).Balance, Is.EqualTo(_source.Node.GetAccount(_source.Bob.PeerId).Balance));
                Assert.That(fresh.Node.GetBlock(37)!.Commit, Is.EqualTo(_source.Node.GetBlock(37)!.Commit));
                Assert.That(Enumerable.Range(1, 50).Where(h => !CommitProves(fresh.Node, (ulong)h)), Is.Empty, "every block's commit verifies for its height's validators");
            });
        }
    }

    [Test]
    public async Task A_peer_serving_a_bad_commit_is_rejected_and_the_next_peer_finishes()
    {
        await using var liar = await ServeAsync(b =>
        {
            if (HeightOf(b) >= 20) b.Commit = ByteString.CopyFrom(_source.CommitFor(b.Block.ToByteArray(), _source.Validators.Take(2)));
        });
        await using var honest = await ServeAsync();
        var (result, fresh) = await SyncFreshAsync(liar, honest);
        using (fresh)
        {
            Assert.That(result.Failures, Has.Count.EqualTo(1));
            Assert.Multiple(() =>
            {
                Assert.That(result.Failures[0].Peer, Is.EqualTo(liar.PeerId));
                Assert.That(result.Failures[0].ChainError?.Code, Is.EqualTo(ChainErrorCode.BadCommit));
                Assert.That(result.Failures[0].Reason, Does.Contain("block 20"));
                Assert.That(fresh.Node.Status.Height, Is.EqualTo(50));
                Assert.That(fresh.Node.Status.StateRoot, Is.EqualTo(_source.Node.Status.StateRoot));
            });
        }
    }

    [Test]
    public async Task A_block_with_a_wrong_state_root_is_rejected_even_with_a_valid_commit_for_it()
    {
        await using var forger = await ServeAsync(b =>
        {
            var block = Block.Parser.ParseFrom(b.Block);
            if (block.Header.Height != 10) return;
            block.Header.StateRoot = ByteString.CopyFrom(new byte[32]);
            b.Block = block.ToByteString();
            b.Commit = ByteString.CopyFrom(TestCommits.Create(10, BlockHashing.HeaderHash(block.Header), _source.Validators));
        });
        var (result, fresh) = await SyncFreshAsync(forger);
        using (fresh)
        {
            Assert.Multiple(() =>
            {
                Assert.That(result.Failures.Single().ChainError?.Code, Is.EqualTo(ChainErrorCode.StateRootMismatch));
                Assert.That(result.CaughtUp, Is.False);
                Assert.That(fresh.Node.Status.Height, Is.EqualTo(9), "blocks before the forged one were valid and kept");
                Assert.That(fresh.Node.Status.LastHash, Is.EqualTo(_source.Node.GetBlock(9)!.Hash));
            });
        }
    }

    [Test]
    public async Task A_peer_that_does_not_serve_sync_is_reported_clearly()
    {
        await using var silent = await TestHosts.StartAsync();
        var (result, fresh) = await SyncFreshAsync(silent);
        using (fresh)
        {
            Assert.That(result.Failures, Has.Count.EqualTo(1));
            Assert.That(result.Failures[0].Peer, Is.EqualTo(silent.PeerId));
            Assert.That(result.Failures[0].Reason, Does.Contain(SyncProtocolHandler.ProtocolId));
            Assert.That(fresh.Node.Status.Height, Is.Zero);
        }
    }

    [Test]
    public void The_server_answers_bad_requests_with_an_error_and_bounds_responses()
    {
        var handler = new SyncProtocolHandler(_source.Node, new SyncOptions { MaxBlocksPerResponse = 5 });
        Assert.Multiple(() =>
        {
            Assert.That(handler.Answer([0xFF, 0xFF]).Error?.Message, Does.Contain("not a valid SyncRequest"));
            Assert.That(handler.Answer(new SyncRequest { Blocks = new SyncBlocksRequest { FromHeight = 0 } }.ToByteArray()).Error, Is.Not.Null);
            Assert.That(handler.Answer(new SyncRequest { Blocks = new SyncBlocksRequest { FromHeight = 3, MaxCount = 100 } }.ToByteArray()).Blocks.Blocks.Select(HeightOf), Is.EqualTo(new ulong[] { 3, 4, 5, 6, 7 }));
            Assert.That(handler.Answer(new SyncRequest { Blocks = new SyncBlocksRequest { FromHeight = 49, MaxCount = 100 } }.ToByteArray()).Blocks.Blocks, Has.Count.EqualTo(2));
            Assert.That(handler.Answer(new SyncRequest { Status = new SyncStatusRequest() }.ToByteArray()).Status.Height, Is.EqualTo(50));
        });
        var small = new SyncProtocolHandler(_source.Node, new SyncOptions { MaxResponseBytes = 64 * 1024 });
        var blocks = small.Answer(new SyncRequest { Blocks = new SyncBlocksRequest { FromHeight = 1, MaxCount = 50 } }.ToByteArray()).Blocks.Blocks;
        Assert.That(blocks.Sum(b => b.Block.Length + b.Commit.Length), Is.LessThanOrEqualTo(64 * 1024));
    }
}
