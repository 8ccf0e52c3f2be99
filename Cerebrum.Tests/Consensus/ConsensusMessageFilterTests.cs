using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Consensus;

/// <summary>The one check of received consensus messages, shared by the network edge and the drivers that keep it informed.</summary>
[TestFixture]
public class ConsensusMessageFilterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task WithoutADriver_SignersAreCheckedByTheirOwnKeys_WithOne_AgainstTheHeightsValidators()
    {
        var keys = TestValidators.Secp256k1Keys(4);
        var filter = new ConsensusMessageFilter(TestValidators.ChainId, TestValidators.FastOptions);
        using var outsider = Secp256k1PrivateKey.Generate();
        var outsiderVote = ConsensusMessageCodec.Encode(SignedVote.Sign(outsider, TestValidators.ChainId, VoteType.Prevote, 1, 0, []));
        var memberVote = ConsensusMessageCodec.Encode(SignedVote.Sign(keys[1], TestValidators.ChainId, VoteType.Prevote, 1, 0, []));
        var forged = ConsensusMessageCodec.Encode(new SignedVote(VoteType.Prevote, 1, 1, [], keys[1].PeerId,
            SignedVote.Sign(keys[1], TestValidators.ChainId, VoteType.Prevote, 1, 0, []).Signature.Span));

        Assert.Multiple(() =>
        {
            Assert.That(filter.Check(outsiderVote, out var decoded), Is.EqualTo(MessageVerdict.Valid), "no validator set at hand: the signature is what can be checked");
            Assert.That(decoded, Is.InstanceOf<SignedVote>());
            Assert.That(filter.Check(memberVote), Is.EqualTo(MessageVerdict.Valid));
            Assert.That(filter.Check(forged), Is.EqualTo(MessageVerdict.Invalid));
            Assert.That(filter.Check([0xff, 0x00, 0x13], out decoded), Is.EqualTo(MessageVerdict.Invalid));
            Assert.That(decoded, Is.Null);
        });

        var schedule = new ValidatorSchedule(TestValidators.SetOf(keys));
        var network = new InMemoryConsensusNetwork();
        var driver = new ConsensusDriver(TestValidators.FastOptions, TestValidators.ChainId, keys[0], new TestApplication("driver0", schedule),
            network.Join(), new FakeTimeProvider(DateTimeOffset.UnixEpoch), NullLogger.Instance, filter);
        await using (driver)
        {
            driver.Start(1, schedule.At(1));
            Assert.That(SpinWait.SpinUntil(() => driver.Height == 1, Bound), Is.True, "driver started");
            Assert.Multiple(() =>
            {
                Assert.That(filter.Check(outsiderVote), Is.EqualTo(MessageVerdict.Invalid), "the driver's height: only its validators may sign");
                Assert.That(filter.Check(memberVote), Is.EqualTo(MessageVerdict.Valid));
                Assert.That(driver.ValidateMessage(outsiderVote), Is.EqualTo(MessageVerdict.Invalid), "the driver's check is the filter's");
            });
        }
        Assert.That(filter.Check(outsiderVote), Is.EqualTo(MessageVerdict.Valid), "a stopped driver no longer speaks for the filter");
    }
}
