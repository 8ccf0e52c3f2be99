using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Tests.Chain.Gossip;

[TestFixture]
public sealed class ConsensusGossipVerdictTests
{
    [Test]
    public void Valid_is_passed_on_Invalid_costs_the_sender_and_Irrelevant_is_dropped_without_blame()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConsensusGossipVerdict.For(MessageVerdict.Valid), Is.EqualTo(ValidationResult.Accept));
            Assert.That(ConsensusGossipVerdict.For(MessageVerdict.Invalid), Is.EqualTo(ValidationResult.Reject));
            Assert.That(ConsensusGossipVerdict.For(MessageVerdict.Irrelevant), Is.EqualTo(ValidationResult.Ignore));
            Assert.That(() => ConsensusGossipVerdict.For((MessageVerdict)99), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }
}
