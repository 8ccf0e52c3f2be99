using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Store;
using Google.Protobuf;
using LiteDB;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Issue 13 item 1: block times are bounded. A block time beyond the year 3000 is refused even with a valid commit
/// (as if +2/3 of validators had signed it), and a store holding such a time from an older version opens with a
/// clear error instead of throwing from every status call.
/// </summary>
[TestFixture]
public sealed class BlockTimeTests
{
    [Test]
    public void ABlockTimeOfLongMaxValue_IsRefused_EvenWithACommit_AndTheChainGoesOn()
    {
        using var chain = new ChainFixture();
        chain.CommitNext();
        var block = Block.Parser.ParseFrom(chain.Propose());
        block.Header.TimeUnixMs = long.MaxValue;
        var bytes = block.ToByteArray();

        Assert.That(chain.Node.ValidateProposal(bytes)?.Code, Is.EqualTo(ChainErrorCode.TimeOutOfRange));
        var refused = chain.Node.Commit(bytes, chain.CommitFor(bytes));
        Assert.That(refused?.Code, Is.EqualTo(ChainErrorCode.TimeOutOfRange), refused?.Message);
        Assert.That(refused!.Message, Does.Contain("year 3000"));

        Assert.DoesNotThrow(() => _ = chain.Node.Status);
        Assert.That(chain.Node.Status.Height, Is.EqualTo(1UL));
        chain.CommitNext();
        chain.Reopen();
        Assert.That(chain.Node.Status.Height, Is.EqualTo(2UL), "honest blocks still follow, and the store reopens");
    }

    [Test]
    public void TheLastRepresentableTimeIsAccepted_OneMillisecondMoreIsNot()
    {
        using var chain = new ChainFixture();
        var last = DateTimeOffset.FromUnixTimeMilliseconds(BlockTime.MaxUnixMs);
        Assert.That(chain.Node.ValidateProposal(chain.Propose(last)), Is.Null);
        Assert.Throws<InvalidOperationException>(() => chain.Propose(last.AddMilliseconds(1)), "no proposal beyond the bound");
        var block = Block.Parser.ParseFrom(chain.Propose(last));
        block.Header.TimeUnixMs = BlockTime.MaxUnixMs + 1;
        Assert.That(chain.Node.ValidateProposal(block.ToByteArray())?.Code, Is.EqualTo(ChainErrorCode.TimeOutOfRange));
    }

    [Test]
    public void AStoreWrittenByAnOlderVersionWithATimeBeyondTheBound_OpensWithAClearError()
    {
        using var chain = new ChainFixture();
        chain.CommitNext();
        chain.Node.Dispose();
        // What an older version wrote after committing a block with time long.MaxValue.
        using (var database = new LiteDatabase(new ConnectionString { Filename = Path.Combine(chain.Directory, ChainStore.FileName), Connection = ConnectionType.Direct }))
        {
            var meta = database.GetCollection("meta");
            var head = meta.FindById("head");
            head["lastTimeMs"] = long.MaxValue;
            meta.Update(head);
        }

        var error = Assert.Throws<ChainException>(() => chain.Open());
        Assert.That(error!.Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch));
        Assert.That(error.Message, Does.Contain("block 1 has time 9223372036854775807 ms").And.Contain("older version").And.Contain("sync"));
        Assert.That(BlockTime.ToDateTimeOffset(long.MaxValue), Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(BlockTime.MaxUnixMs)), "shown clamped, never thrown");
    }

    [TestCase("1969-12-31T23:59:59Z")]
    [TestCase("2600-01-01T00:00:00Z")]
    public void AGenesisTimeWithoutRoomForBlocksIsRefused(string time)
    {
        using var chain = new ChainFixture();
        var genesis = chain.Genesis with { GenesisTime = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture) };
        var error = Assert.Throws<ChainException>(genesis.Validate);
        Assert.That(error!.Message, Does.Contain("genesisTime"));
    }
}
