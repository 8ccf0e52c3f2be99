using Cerebrum.Core.Consensus;
using static Cerebrum.Tests.Consensus.StateMachineHarness;

namespace Cerebrum.Tests.Consensus;

[TestFixture]
public class CodecAndOptionsTests
{
    private const int Max = 1 << 20;

    [Test]
    public void MessagesRoundTrip()
    {
        var keys = TestValidators.Secp256k1Keys(1);
        var vote = SignedVote.Sign(keys[0], TestValidators.ChainId, VoteType.Precommit, 3, 1, Id(Value("x")));
        var proposal = SignedProposal.Sign(keys[0], TestValidators.ChainId, 3, 2, 1, Value("x"), Id(Value("x")));
        var decision = new Decision(Value("x"), new Commit(3, 1, Id(Value("x")), [new CommitSignature(keys[0].PeerId, vote.Signature)]));

        Assert.That(Decode(ConsensusMessageCodec.Encode(vote)) is SignedVote v && v.SameContent(vote) && v.Signature.Span.SequenceEqual(vote.Signature.Span));
        var p = (SignedProposal)Decode(ConsensusMessageCodec.Encode(proposal));
        Assert.That((p.Height, p.Round, p.ValidRound, p.Proposer), Is.EqualTo((3L, 2, 1, keys[0].PeerId)));
        Assert.That(p.Value.ToArray(), Is.EqualTo(Value("x")));
        Assert.That(p.VerifySignature(TestValidators.ChainId, keys[0].PublicKey), Is.True);
        var d = (Decision)Decode(ConsensusMessageCodec.Encode(decision));
        Assert.That(d.Commit.ToBytes(), Is.EqualTo(decision.Commit.ToBytes()));
        var nil = SignedVote.Sign(keys[0], TestValidators.ChainId, VoteType.Prevote, 3, 0, []);
        Assert.That(((SignedVote)Decode(ConsensusMessageCodec.Encode(nil))).IsNil, Is.True);
    }

    [Test]
    public void OnlyTheCanonicalEncodingDecodes_SoNoOneCanRewrapAMessageIntoANewGossipId()
    {
        var keys = TestValidators.Secp256k1Keys(1);
        var vote = SignedVote.Sign(keys[0], TestValidators.ChainId, VoteType.Prevote, 8, 0, Enumerable.Repeat((byte)7, 32).ToArray());
        var encoded = ConsensusMessageCodec.Encode(vote);
        Assert.That(ConsensusMessageCodec.TryDecode(encoded, 1024, out _, out _), Is.True);

        byte[][] variants =
        [
            [.. encoded, 15 << 3, 99],                      // the old gossip nonce (field 15) appended
            [.. encoded, 15 << 3, 0x80, 0x80, 0x01],        // another nonce, padded
            [.. encoded, (14 << 3) | 2, 1, 0xAA],           // an unknown field
            [.. encoded, .. encoded],                       // the vote repeated (protobuf merges repeats)
            PadFirstLength(encoded),                        // a length written in two bytes where one suffices
        ];
        foreach (var variant in variants)
        {
            Assert.That(ConsensusMessageCodec.TryDecode(variant, 1024, out _, out var error), Is.False, Convert.ToHexStringLower(variant));
            Assert.That(error, Does.Contain("canonical").Or.Not.Empty);
        }
    }

    // The outer message's first field is a length-delimited sub-message: rewrite its length varint with one more byte
    // (a continuation bit on its last byte, then 0x00), which protobuf parsers accept.
    private static byte[] PadFirstLength(byte[] encoded)
    {
        var end = 1;
        while ((encoded[end] & 0x80) != 0) end++;
        var padded = new List<byte>(encoded[..end]) { (byte)(encoded[end] | 0x80), 0x00 };
        padded.AddRange(encoded[(end + 1)..]);
        return [.. padded];
    }

    [Test]
    public void MalformedMessagesAreRefusedWithoutThrowing()
    {
        var keys = TestValidators.Secp256k1Keys(1);
        var vote = new Cerebrum.Core.Consensus.Proto.Vote
        {
            Type = Cerebrum.Core.Consensus.Proto.SignedMessageType.Prevote, Height = 1, Round = 0,
            ValueId = Google.Protobuf.ByteString.CopyFrom(new byte[31]), Validator = Google.Protobuf.ByteString.CopyFrom(keys[0].PeerId.Bytes.Span),
            Signature = Google.Protobuf.ByteString.CopyFrom(new byte[70]),
        };
        byte[][] bad =
        [
            [],
            [0xff, 0xff, 0xff],
            Google.Protobuf.MessageExtensions.ToByteArray(new Cerebrum.Core.Consensus.Proto.ConsensusMessage { Vote = vote }),
            Google.Protobuf.MessageExtensions.ToByteArray(new Cerebrum.Core.Consensus.Proto.ConsensusMessage
                { Decision = new Cerebrum.Core.Consensus.Proto.Decision() }),
            Google.Protobuf.MessageExtensions.ToByteArray(new Cerebrum.Core.Consensus.Proto.ConsensusMessage
                { Proposal = new Cerebrum.Core.Consensus.Proto.Proposal { Height = 1, Round = 0, PolRound = 0 } }),
        ];
        foreach (var bytes in bad)
            Assert.That(ConsensusMessageCodec.TryDecode(bytes, Max, out _, out var error), Is.False, Convert.ToHexString(bytes));
        Assert.That(ConsensusMessageCodec.TryDecode(new byte[100], 10, out _, out var tooBig), Is.False);
        Assert.That(tooBig, Does.Contain("more than 10"));
    }

    [Test]
    public void MutatedMessagesNeverThrow()
    {
        var keys = TestValidators.Secp256k1Keys(1);
        var vote = SignedVote.Sign(keys[0], TestValidators.ChainId, VoteType.Precommit, 3, 1, Id(Value("x")));
        byte[][] seeds =
        [
            ConsensusMessageCodec.Encode(vote),
            ConsensusMessageCodec.Encode(SignedProposal.Sign(keys[0], TestValidators.ChainId, 3, 2, 1, Value("x"), Id(Value("x")))),
            ConsensusMessageCodec.Encode(new Decision(Value("x"), new Commit(3, 1, Id(Value("x")), [new CommitSignature(keys[0].PeerId, vote.Signature)]))),
        ];
        var rng = new Random(7);
        var decoded = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = seeds[i % seeds.Length].ToArray();
            var mutations = rng.Next(1, 4);
            for (var m = 0; m < mutations; m++)
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            if (rng.Next(4) == 0) bytes = bytes[..rng.Next(bytes.Length)];
            Assert.That(() => { if (ConsensusMessageCodec.TryDecode(bytes, Max, out _, out _)) decoded++; }, Throws.Nothing, Convert.ToHexString(bytes));
            Assert.That(() => new CommitVerifier(TestValidators.ChainId).Verify(bytes, 3, Id(Value("x")), TestValidators.SetOf(keys)), Throws.Nothing);
        }
        Assert.That(decoded, Is.GreaterThan(0), "some mutations still decode (e.g. a changed signature byte)");
    }

    [Test]
    public void OptionsHaveSensibleDefaultsAndAreValidated()
    {
        var defaults = new ConsensusOptions().Validate();
        Assert.That(defaults.ProposeTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(defaults.PrevoteTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
        Assert.That(defaults.CommitDelay, Is.EqualTo(TimeSpan.Zero));
        Assert.That(defaults.PrecommitTimeoutFor(2), Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
        Assert.That(() => (defaults with { ProposeTimeout = TimeSpan.Zero }).Validate(),
            Throws.ArgumentException.With.Message.Contains("ProposeTimeout"));
        Assert.That(() => (defaults with { CommitDelay = TimeSpan.FromSeconds(-1) }).Validate(),
            Throws.ArgumentException.With.Message.Contains("CommitDelay"));
        Assert.That(() => (defaults with { MaxRoundsAhead = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("MaxRoundsAhead"));
        Assert.That(() => new ConsensusStateMachine(defaults with { MaxEvidence = 0 }, "c", null, new TestApplication("x",
            new ValidatorSchedule(TestValidators.SetOf(TestValidators.FastKeys(1))))), Throws.ArgumentException);
    }

    private static ConsensusMessage Decode(byte[] bytes)
    {
        Assert.That(ConsensusMessageCodec.TryDecode(bytes, Max, out var message, out var error), Is.True, error);
        return message!;
    }
}
