using Cerebrum.Core.Chain;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain;

/// <summary>The precommit tally behind the dashboard's consensus health, against commits built by hand.</summary>
public sealed class CommitParticipationTests
{
    [Test]
    public void CountsEachValidatorsPrecommitsInTheCommitsOfTheSetsItBelongedTo()
    {
        using var a = Secp256k1PrivateKey.Generate();
        using var b = Secp256k1PrivateKey.Generate();
        using var c = Secp256k1PrivateKey.Generate();
        var three = ValidatorSet.Create([new Validator(a.PublicKey, 10), new Validator(b.PublicKey, 20), new Validator(c.PublicKey, 5)]);
        var two = ValidatorSet.Create([new Validator(a.PublicKey, 10), new Validator(b.PublicKey, 30)]);
        var blocks = new (ulong, ValidatorSet, Commit)[]
        {
            (1, three, Commit(1, a, b, c)),
            (2, three, Commit(2, a, b)),        // c missed
            (3, three, Commit(3, b, c)),        // a missed
            (4, two, Commit(4, a, b)),          // c left the set: not expected
            (5, two, Commit(5, b)),             // a missed
        };

        var tallies = CommitParticipation.Tally(blocks);

        Assert.That(tallies.Select(t => t.Validator), Is.EqualTo(new[] { b.PeerId, a.PeerId, c.PeerId }), "by power, the latest set's");
        var (ta, tb, tc) = (tallies.Single(t => t.Validator == a.PeerId), tallies.Single(t => t.Validator == b.PeerId), tallies.Single(t => t.Validator == c.PeerId));
        Assert.That((ta.Expected, ta.Signed, ta.Missed, ta.LastSigned, ta.Power), Is.EqualTo((5, 3, 2, (ulong?)4, 10L)));
        Assert.That((tb.Expected, tb.Signed, tb.Missed, tb.LastSigned, tb.Power), Is.EqualTo((5, 5, 0, (ulong?)5, 30L)));
        Assert.That((tc.Expected, tc.Signed, tc.Missed, tc.LastSigned, tc.Power), Is.EqualTo((3, 2, 1, (ulong?)3, 5L)));
    }

    [Test]
    public void AValidatorThatNeverSignedHasNoLastSignedHeight()
    {
        using var a = Secp256k1PrivateKey.Generate();
        using var b = Secp256k1PrivateKey.Generate();
        var set = ValidatorSet.Create([new Validator(a.PublicKey, 1), new Validator(b.PublicKey, 1)]);

        var tallies = CommitParticipation.Tally([(7, set, Commit(7, a)), (8, set, Commit(8, a))]);

        var silent = tallies.Single(t => t.Validator == b.PeerId);
        Assert.That((silent.Expected, silent.Missed, silent.LastSigned), Is.EqualTo((2, 2, (ulong?)null)));
        Assert.That(CommitParticipation.Tally([]), Is.Empty);
    }

    private static Commit Commit(ulong height, params PrivateKey[] signers) =>
        Core.Consensus.Commit.FromBytes(TestCommits.Create(height, new byte[ConsensusLimits.ValueIdLength], signers));
}
