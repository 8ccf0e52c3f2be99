using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Sync;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Blocks, commits and sync requests from peers against a real chain: proposal validation and commits report every
/// bad input as a <see cref="ChainError"/> (never throw, never change state for a refused block), block hashing and
/// the sync server never throw.
/// </summary>
[TestFixture]
public sealed class BlockFuzzTests
{
    private ChainFixture _chain = null!;

    [SetUp]
    public void SetUp() => _chain = new ChainFixture(keyLabel: "block-fuzz");

    [TearDown]
    public void TearDown() => _chain.Dispose();

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void ValidateAndCommit_ReportChainErrors(int seed)
    {
        _chain.Submit(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 3));
        _chain.Submit(Txs.Stake(_chain.Bob, 0, 2_000));
        var block = _chain.Propose();
        var commit = _chain.CommitFor(block);
        byte[][] validBlocks = [block];
        byte[][] validCommits = [commit];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(120); i++)
        {
            var mutatedBlock = mutator.Next(validBlocks, 200);
            var context = $"seed {seed}: block 0x{Convert.ToHexStringLower(mutatedBlock)}";
            Fuzz.CheckBounded("BlockHashing.TryHashBlock", seed, mutatedBlock, () => BlockHashing.TryHashBlock(mutatedBlock, out _));
            ChainError? error = null;
            if (Fuzz.Check("ChainNode.ValidateProposal", seed, mutatedBlock, () => error = _chain.Node.ValidateProposal(mutatedBlock)) && error is null)
            {
                Assert.That(Block.Parser.ParseFrom(mutatedBlock).Header.Height, Is.EqualTo(_chain.Node.Status.Height + 1), context);
                Assert.That(IsCanonical(Block.Parser, mutatedBlock), Is.True, $"{context}: only a block's one encoding is valid");
            }

            var mutatedCommit = mutator.Next(validCommits, 200);
            var height = _chain.Node.Status.Height;
            ChainError? refused = null;
            Fuzz.Check("ChainNode.Commit", seed, mutatedBlock, () => refused = _chain.Node.Commit(mutatedBlock, mutatedCommit));
            Assert.That(_chain.Node.Status.Height, Is.EqualTo(refused is null ? height + 1 : height), context);
            if (refused is null)
                Assert.That(IsCanonical(Cerebrum.Core.Consensus.Proto.Commit.Parser, mutatedCommit), Is.True, $"{context}: only a commit's one encoding is stored");
        }
    }

    // The oracle for "one encoding per object": the bytes are what the generated code writes for what they parse to.
    private static bool IsCanonical<T>(MessageParser<T> parser, byte[] bytes) where T : IMessage<T> =>
        parser.WithDiscardUnknownFields(true).ParseFrom(bytes).ToByteArray().AsSpan().SequenceEqual(bytes);

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void SyncServer_AnswersEveryRequest(int seed)
    {
        _chain.CommitNext();
        var handler = new SyncProtocolHandler(_chain.Node);
        byte[][] valid =
        [
            new SyncRequest { Status = new SyncStatusRequest() }.ToByteArray(),
            new SyncRequest { Blocks = new SyncBlocksRequest { FromHeight = 1, MaxCount = 10 } }.ToByteArray(),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 40);
            SyncResponse? response = null;
            Fuzz.CheckBounded("SyncProtocolHandler.Answer", seed, input, () => response = handler.Answer(input));
            Assert.That(response!.KindCase, Is.Not.EqualTo(SyncResponse.KindOneofCase.None), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }
}
