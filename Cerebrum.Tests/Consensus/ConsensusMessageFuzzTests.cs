using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// Consensus messages and commits from peers. <see cref="ConsensusMessageCodec.TryDecode"/> and
/// <see cref="CommitVerifier.Verify(ReadOnlySpan{byte}, long, ReadOnlySpan{byte}, ValidatorSet)"/> never throw; underneath,
/// parsing throws only <see cref="InvalidProtocolBufferException"/> and the field checks only <see cref="FormatException"/>
/// (the broad catch in TryDecode must not be hiding anything else). A mutated commit is judged against an oracle
/// that reads the wire message with the generated protobuf parser alone: it proves the decision only if it is its own
/// canonical encoding and still
/// names height 3, round 0 and the value, with exactly the three original (validator, signature) pairs.
/// </summary>
public class ConsensusMessageFuzzTests
{
    private const string ChainId = "fuzz-chain";
    private static readonly PrivateKey[] Keys = [.. Enumerable.Range(0, 4).Select(i => Fuzz.Key($"consensus-fuzz-validator-{i}", KeyType.Secp256k1))];
    private static readonly byte[] ValueId = [.. Enumerable.Range(0, ConsensusLimits.ValueIdLength).Select(i => (byte)i)];

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        foreach (var key in Keys) key.Dispose();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Decode_YieldsAMessageOrAFormatError(int seed)
    {
        var commit = ValidCommit();
        byte[][] valid =
        [
            ConsensusMessageCodec.Encode(SignedProposal.Sign(Keys[0], ChainId, 3, 1, 0, [1, 2, 3], ValueId)),
            ConsensusMessageCodec.Encode(SignedVote.Sign(Keys[1], ChainId, VoteType.Prevote, 3, 0, ValueId)),
            ConsensusMessageCodec.Encode(SignedVote.Sign(Keys[2], ChainId, VoteType.Precommit, 3, 0, [])),
            ConsensusMessageCodec.Encode(new Decision([4, 5], commit)),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(800); i++)
        {
            var input = mutator.Next(valid, 120);
            var strict = Fuzz.CheckBounded("ConsensusMessage parse and FromProto", seed, input, () => DecodeStrictly(input),
                typeof(InvalidProtocolBufferException), typeof(FormatException));
            var decoded = false;
            ConsensusMessage? message = null;
            Fuzz.Check("ConsensusMessageCodec.TryDecode", seed, input, () => decoded = ConsensusMessageCodec.TryDecode(input, 64 * 1024, out message, out _));
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            Assert.That(decoded, Is.EqualTo(strict), context);
            if (decoded)
                Assert.That(ConsensusMessageCodec.Encode(message!), Is.EqualTo(input), $"{context}: only the canonical encoding decodes");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void CommitVerify_ReportsEveryBadCommit(int seed)
    {
        var validators = ValidatorSet.Create(Keys.Select(k => new Validator(k.PublicKey, 10)));
        var verifier = new CommitVerifier(ChainId);
        var original = ValidCommit();
        byte[][] valid = [original.ToBytes()];
        Assert.That(verifier.Verify(valid[0], 3, ValueId, validators).IsValid, Is.True);
        var signed = original.Signatures.Select(s => Pair(s.Validator.Bytes.Span, s.Signature.Span)).ToHashSet();
        var mutator = new ByteMutator(new Random(seed));
        var iterations = Fuzz.Iterations(300);
        var refused = 0;
        for (var i = 0; i < iterations; i++)
        {
            var input = mutator.Next(valid, 200);
            Fuzz.CheckBounded("Commit.FromBytes", seed, input, () => Commit.FromBytes(input), typeof(FormatException));
            var verdict = default(CommitVerification);
            Fuzz.Check("CommitVerifier.Verify", seed, input, () => verdict = verifier.Verify(input, 3, ValueId, validators));
            var proves = ProvesTheDecision(input, signed);
            Assert.That(verdict.IsValid, Is.EqualTo(proves), $"seed {seed}: 0x{Convert.ToHexStringLower(input)} is {verdict}; the oracle says {(proves ? "valid" : "invalid")}");
            if (!verdict.IsValid) refused++;
        }
        // Most mutations break the commit; a verifier that accepted everything would fail above, this guards the oracle.
        Assert.That(refused, Is.GreaterThan(iterations / 2), $"seed {seed}: {refused} of {iterations} mutated commits refused");
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void EvidenceFromBytes_YieldsCanonicalEvidenceOrAFormatError(int seed)
    {
        var validators = ValidatorSet.Create(Keys.Select(k => new Validator(k.PublicKey, 10)));
        byte[][] valid =
        [
            new DuplicateVoteEvidence(SignedVote.Sign(Keys[0], ChainId, VoteType.Prevote, 3, 0, ValueId), SignedVote.Sign(Keys[0], ChainId, VoteType.Prevote, 3, 0, [])).ToBytes(),
            new DuplicateVoteEvidence(SignedVote.Sign(Keys[1], ChainId, VoteType.Precommit, 9, 2, ValueId),
                SignedVote.Sign(Keys[1], ChainId, VoteType.Precommit, 9, 2, System.Security.Cryptography.SHA256.HashData(ValueId))).ToBytes(),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(600); i++)
        {
            var input = mutator.Next(valid, 120);
            DuplicateVoteEvidence? evidence = null;
            var decoded = Fuzz.CheckBounded("DuplicateVoteEvidence.FromBytes", seed, input, () => evidence = DuplicateVoteEvidence.FromBytes(input), typeof(FormatException));
            if (!decoded) continue;
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            Assert.That(evidence!.ToBytes(), Is.EqualTo(input), $"{context}: one encoding per proof");
            Assert.That(evidence.VoteA.ValueId.Span.SequenceCompareTo(evidence.VoteB.ValueId.Span), Is.LessThan(0), context);
            Fuzz.Check("DuplicateVoteEvidence.Verify", seed, input, () => evidence.Verify(ChainId, validators));
        }
    }

    /// <summary>
    /// The oracle: the message parses, is its own canonical encoding, names height 3, round 0 and the value, and carries the three original
    /// (validator, signature) pairs exactly once each (three of four equal validators is the least quorum, and a
    /// signature cannot be forged by mutation, so nothing else proves the decision).
    /// </summary>
    private static bool ProvesTheDecision(byte[] input, HashSet<string> signed)
    {
        Cerebrum.Core.Consensus.Proto.Commit wire;
        try
        {
            wire = Cerebrum.Core.Consensus.Proto.Commit.Parser.WithDiscardUnknownFields(true).ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
        // One encoding per commit: a re-encoding of the same content (unknown fields, padded varints) is refused too.
        if (!wire.ToByteArray().AsSpan().SequenceEqual(input)) return false;
        if (wire.Height != 3 || wire.Round != 0 || !wire.ValueId.Span.SequenceEqual(ValueId)) return false;
        var pairs = wire.Signatures.Select(s => Pair(s.Validator.Span, s.Signature.Span)).ToList();
        return pairs.Count == signed.Count && pairs.ToHashSet().SetEquals(signed);
    }

    private static string Pair(ReadOnlySpan<byte> validator, ReadOnlySpan<byte> signature) =>
        Convert.ToHexStringLower(validator) + "/" + Convert.ToHexStringLower(signature);

    private static void DecodeStrictly(byte[] input)
    {
        var wire = Cerebrum.Core.Consensus.Proto.ConsensusMessage.Parser.ParseFrom(input);
        var message = wire.MessageCase switch
        {
            Cerebrum.Core.Consensus.Proto.ConsensusMessage.MessageOneofCase.Proposal => (ConsensusMessage)SignedProposal.FromProto(wire.Proposal),
            Cerebrum.Core.Consensus.Proto.ConsensusMessage.MessageOneofCase.Vote => SignedVote.FromProto(wire.Vote),
            Cerebrum.Core.Consensus.Proto.ConsensusMessage.MessageOneofCase.Decision => Decision.FromProto(wire.Decision),
            _ => throw new FormatException("empty consensus message"),
        };
        if (!ConsensusMessageCodec.Encode(message).AsSpan().SequenceEqual(input)) throw new FormatException("not canonical");
    }

    private static Commit ValidCommit()
    {
        var signBytes = SignBytes.ForVote(ChainId, VoteType.Precommit, 3, 0, ValueId);
        return new Commit(3, 0, ValueId, [.. Keys.Take(3).Select(k => new CommitSignature(k.PeerId, k.Sign(signBytes)))]);
    }
}
