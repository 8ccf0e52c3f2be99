using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using static Cerebrum.Tests.Consensus.StateMachineHarness;

namespace Cerebrum.Tests.Consensus;

[TestFixture]
public class CommitVerifierTests
{
    private static readonly PrivateKey[] Keys = TestValidators.Secp256k1Keys(4);
    private static readonly ValidatorSet Set = TestValidators.SetOf(Keys);
    private static readonly byte[] ValueId = Id(Value("block"));
    private readonly CommitVerifier _verifier = new(TestValidators.ChainId);

    private static CommitSignature Precommit(PrivateKey key, long height = 5, int round = 2, byte[]? valueId = null, VoteType type = VoteType.Precommit) =>
        new(key.PeerId, key.Sign(SignBytes.ForVote(TestValidators.ChainId, type, height, round, valueId ?? ValueId)));

    private static Commit CommitOf(params CommitSignature[] signatures) => new(5, 2, ValueId, signatures);

    [Test]
    public void AValidCommitVerifiesAndRoundTrips()
    {
        var commit = CommitOf(Precommit(Keys[0]), Precommit(Keys[1]), Precommit(Keys[3]));
        var bytes = commit.ToBytes();
        Assert.That(_verifier.Verify(bytes, 5, ValueId, Set), Is.EqualTo(CommitVerification.Valid));
        var decoded = Commit.FromBytes(bytes);
        Assert.That(decoded.Height, Is.EqualTo(5));
        Assert.That(decoded.Round, Is.EqualTo(2));
        Assert.That(decoded.ValueId.ToArray(), Is.EqualTo(ValueId));
        Assert.That(decoded.Signatures.Select(s => s.Validator), Is.EqualTo(commit.Signatures.Select(s => s.Validator)));
        Assert.That(decoded.ToBytes(), Is.EqualTo(bytes));
    }

    [Test]
    public void EachProblemHasItsOwnError()
    {
        using var outsider = Secp256k1PrivateKey.Generate();
        var good = CommitOf(Precommit(Keys[0]), Precommit(Keys[1]), Precommit(Keys[2]));
        Assert.Multiple(() =>
        {
            Assert.That(Check(good, height: 6).Error, Is.EqualTo(CommitError.WrongHeight));
            Assert.That(Check(good, valueId: Id(Value("other"))).Error, Is.EqualTo(CommitError.WrongValue));
            Assert.That(Check(CommitOf(Precommit(Keys[0]), Precommit(Keys[1]))).Error, Is.EqualTo(CommitError.NotEnoughPower));
            Assert.That(Check(CommitOf(Precommit(Keys[0]), Precommit(Keys[1]), Precommit(outsider))).Error, Is.EqualTo(CommitError.UnknownValidator));
            Assert.That(Check(CommitOf(Precommit(Keys[0]), Precommit(Keys[1]), Precommit(Keys[1]))).Error, Is.EqualTo(CommitError.DuplicateSigner));
            Assert.That(Check(CommitOf(Precommit(Keys[0]), Precommit(Keys[1]), Precommit(Keys[2], type: VoteType.Prevote))).Error,
                Is.EqualTo(CommitError.BadSignature), "a prevote signature is not a precommit");
            Assert.That(Check(CommitOf(Precommit(Keys[0]), Precommit(Keys[1]), Precommit(Keys[2], round: 3))).Error,
                Is.EqualTo(CommitError.BadSignature), "signed for another round");
            Assert.That(new CommitVerifier("another-chain").Verify(good, 5, ValueId, Set).Error, Is.EqualTo(CommitError.BadSignature));
            Assert.That(_verifier.Verify([0xff, 0x01, 0x02], 5, ValueId, Set).Error, Is.EqualTo(CommitError.Malformed));
            Assert.That(_verifier.Verify([], 5, ValueId, Set).Error, Is.EqualTo(CommitError.Malformed), "empty: height 0, no value id");
        });
        var error = Check(CommitOf(Precommit(Keys[0]), Precommit(Keys[1])));
        Assert.That(error.Detail, Does.Contain("2 of 4"));
    }

    [Test]
    public void WeightedPowerCounts()
    {
        var weighted = TestValidators.SetOf(Keys, [10, 1, 1, 1]);
        var heavy = Keys.First(k => weighted.Find(k.PeerId)!.Power == 10);
        Assert.That(_verifier.Verify(CommitOf(Precommit(heavy)), 5, ValueId, weighted).IsValid, Is.True, "10 of 13 > 2/3");
        var lights = Keys.Where(k => k != heavy).Select(k => Precommit(k)).ToArray();
        Assert.That(_verifier.Verify(CommitOf(lights), 5, ValueId, weighted).Error, Is.EqualTo(CommitError.NotEnoughPower));
    }

    private CommitVerification Check(Commit commit, long height = 5, byte[]? valueId = null) =>
        _verifier.Verify(commit.ToBytes(), height, valueId ?? ValueId, Set);
}
