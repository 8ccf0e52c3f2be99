using Cerebrum.Core.Consensus;

namespace Cerebrum.Tests.Consensus;

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
            var proposer = set.GetProposer(0).PeerId;
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
                Assert.That(b.GetProposer(r).PeerId, Is.EqualTo(a.GetProposer(r).PeerId), $"height {h} round {r}");
    }

    [Test]
    public void RoundsWithinAHeightRotateToo()
    {
        var set = TestValidators.SetOf(TestValidators.FastKeys(4));
        var proposers = Enumerable.Range(0, 4).Select(r => set.GetProposer(r).PeerId).ToList();
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
        Assert.That(grown.GetProposer(0).PeerId, Is.Not.EqualTo(keys[4].PeerId), "a newcomer starts at -1.125 × total power");
        var rounds = Enumerable.Range(0, 10).Select(r => grown.GetProposer(r).PeerId).ToList();
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
    public void TheEncodingCoversMembersAndPowersInPeerIdOrder_NotPriorities()
    {
        var keys = TestValidators.Secp256k1Keys(3);
        var set = ValidatorSet.Create(keys.Select((k, i) => new Validator(k.PublicKey, 10 + i)));
        var expected = new List<byte>();
        foreach (var k in keys.OrderBy(k => Convert.ToHexString(k.PeerId.Bytes.Span)))
        {
            var key = k.PublicKey.ToProtobuf();
            expected.AddRange(BitConverter.GetBytes((uint)key.Length).Reverse());
            expected.AddRange(key);
            expected.AddRange(BitConverter.GetBytes((ulong)(10 + Array.IndexOf(keys, k))).Reverse());
        }
        Assert.That(set.Encoded, Is.EqualTo(expected.ToArray()));
        Assert.That(set.Hash, Is.EqualTo(System.Security.Cryptography.SHA256.HashData(expected.ToArray())));

        var decoded = ValidatorSet.Decode(set.Encoded);
        Assert.That(decoded.Validators, Is.EqualTo(set.Validators));
        Assert.That(set.Next().Next().Hash, Is.EqualTo(set.Hash), "priorities are not part of the encoding");
        Assert.That(set.WithValidators([.. keys.Select(k => new Validator(k.PublicKey, 1))]).Hash, Is.Not.EqualTo(set.Hash), "powers are");
        Assert.That(() => ValidatorSet.Decode(set.Encoded.AsSpan(0, set.Encoded.Length - 1)), Throws.InstanceOf<FormatException>());
        Assert.That(() => ValidatorSet.Decode([]), Throws.InstanceOf<FormatException>(), "a set has at least one validator");
        var zeroPower = (byte[])set.Encoded.Clone();
        zeroPower.AsSpan(zeroPower.Length - 8).Clear();
        Assert.That(() => ValidatorSet.Decode(zeroPower), Throws.InstanceOf<FormatException>());
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
