using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Consensus;
using static Cerebrum.Tests.Chain.Consensus.StateMachineHarness;
using ChainValidator = Cerebrum.Core.Chain.Validators.Validator;
using ChainValidatorSet = Cerebrum.Core.Chain.Validators.ValidatorSet;

namespace Cerebrum.Tests.Chain.Consensus;

/// <summary>The adapter the chain uses to check stored commits (its <see cref="ICommitVerifier"/>).</summary>
[TestFixture]
public class ChainCommitVerifierTests
{
    [Test]
    public void VerifiesConsensusCommitsAgainstTheChainsValidatorSet()
    {
        var keys = TestValidators.Secp256k1Keys(4);
        var chainSet = new ChainValidatorSet(keys.Select(k => new ChainValidator(k.PublicKey, 10)));
        var blockHash = Id(Value("block"));
        CommitSignature Sign(int i) => new(keys[i].PeerId,
            keys[i].Sign(SignBytes.ForVote(TestValidators.ChainId, VoteType.Precommit, 7, 0, blockHash)));
        ICommitVerifier verifier = new ChainCommitVerifier(TestValidators.ChainId);

        var good = new Commit(7, 0, blockHash, [Sign(0), Sign(1), Sign(2)]).ToBytes();
        Assert.That(verifier.Verify(good, 7, blockHash, chainSet).IsValid, Is.True);

        var weak = new Commit(7, 0, blockHash, [Sign(0), Sign(1)]).ToBytes();
        var result = verifier.Verify(weak, 7, blockHash, chainSet);
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Reason, Does.Contain("NotEnoughPower"));
        Assert.That(verifier.Verify(good, 8, blockHash, chainSet).Reason, Does.Contain("WrongHeight"));
        Assert.That(verifier.Verify(good, 0, blockHash, chainSet).IsValid, Is.False);
        Assert.That(verifier.Verify([1, 2, 3], 7, blockHash, chainSet).Reason, Does.Contain("Malformed"));

        var consensusSet = ChainCommitVerifier.ToConsensus(chainSet);
        Assert.That(consensusSet.TotalPower, Is.EqualTo(40));
        Assert.That(consensusSet.Validators.Select(v => v.Id), Is.EqualTo(chainSet.Validators.Select(v => v.PeerId)));
    }
}
