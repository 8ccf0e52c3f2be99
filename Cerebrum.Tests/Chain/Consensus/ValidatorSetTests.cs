using Cerebrum.Core.Chain.Consensus;

namespace Cerebrum.Tests.Chain.Consensus;

[TestFixture]
public class ValidatorSetTests
{
    [Test]
    public void ProposersRotateInProportionToPowerOverManyHeights()
    {
        var keys = TestValidators.FastKeys(4);
        long[] powers = [1, 2, 3, 4];
        var set = TestValidators.SetOf(keys, powers);
        var counts = new Dictionary<Cerebrum.Core.Crypto.PeerId, int>();
        const int Heights = 10_000;
        for (var h = 0; h < Heights; h++, set = set.Next())
        {
            var proposer = set.GetProposer(0).Id;
            counts[proposer] = counts.GetValueOrDefault(proposer) + 1;
        }
        for (var i = 0; i < keys.Length; i++)
        {
            var expected = Heights * powers[i] / 10.0;
            Assert.That(counts[keys[i].PeerId], Is.EqualTo(expected).Within(expected * 0.01), $"validator with power {powers[i]}");
        }
    }

    [Test]
    public void EveryValidatorComputesTheSameProposers()
    {
        var keys = TestValidators.FastKeys(5);
        var a = ValidatorSet.Create(keys.Select((k, i) => new Validator(k.PublicKey, i + 1)));
        var b = ValidatorSet.Create(keys.Reverse().Select(k => new Validator(k.PublicKey, Array.IndexOf(keys, k) + 1)));
        for (var h = 0; h < 50; h++, a = a.Next(), b = b.Next())
            for (var r = 0; r < 5; r++)
                Assert.That(b.GetProposer(r).Id, Is.EqualTo(a.GetProposer(r).Id), $"height {h} round {r}");
    }

    [Test]
    public void RoundsWithinAHeightRotateToo()
    {
        var set = TestValidators.SetOf(TestValidators.FastKeys(4));
        var proposers = Enumerable.Range(0, 4).Select(r => set.GetProposer(r).Id).ToList();
        Assert.That(proposers.Distinct().Count(), Is.EqualTo(4), "equal powers: four rounds, four proposers");
    }

    [Test]
    public void MembershipChangesKeepPrioritiesAndNewcomersWait()
    {
        var keys = TestValidators.FastKeys(5);
        var set = TestValidators.SetOf(keys[..4]);
        for (var i = 0; i < 3; i++) set = set.Next();
        var grown = set.WithValidators([.. keys.Select(k => new Validator(k.PublicKey, 1))]);
        Assert.That(grown.Count, Is.EqualTo(5));
        Assert.That(grown.GetProposer(0).Id, Is.Not.EqualTo(keys[4].PeerId), "a newcomer starts at -1.125 × total power");
        var rounds = Enumerable.Range(0, 10).Select(r => grown.GetProposer(r).Id).ToList();
        Assert.That(rounds, Does.Contain(keys[4].PeerId), "but gets its turn");
    }

    [Test]
    public void InvalidSetsAreRefused()
    {
        var keys = TestValidators.FastKeys(2);
        Assert.That(() => ValidatorSet.Create([]), Throws.ArgumentException);
        Assert.That(() => ValidatorSet.Create([new Validator(keys[0].PublicKey, 1), new Validator(keys[0].PublicKey, 2)]),
            Throws.ArgumentException.With.Message.Contains("twice"));
        Assert.That(() => new Validator(keys[0].PublicKey, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ValidatorSet.Create([new Validator(keys[0].PublicKey, ValidatorSet.MaxTotalPower), new Validator(keys[1].PublicKey, 1)]),
            Throws.ArgumentException.With.Message.Contains("exceeds"));
    }

    [Test]
    public void QuorumsAreStrictlyMoreThanTwoThirdsAndOneThird()
    {
        var set = TestValidators.SetOf(TestValidators.FastKeys(3)); // total 3
        Assert.That(set.IsQuorum(2), Is.False);
        Assert.That(set.IsQuorum(3), Is.True);
        Assert.That(set.IsOneThird(1), Is.False);
        Assert.That(set.IsOneThird(2), Is.True);
    }
}
