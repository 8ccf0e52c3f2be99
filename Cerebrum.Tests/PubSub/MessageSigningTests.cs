using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;
using static Cerebrum.Tests.PubSub.CoreHarness;

namespace Cerebrum.Tests.PubSub;

public sealed class MessageSigningTests
{
    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void StrictSign_messages_verify_and_carry_no_key_when_the_peer_id_inlines_it(KeyType type)
    {
        using var author = PrivateKey.Generate(type);
        var message = MessageSigning.Create("t", "payload"u8.ToArray(), SignaturePolicy.StrictSign, author, 42);
        Assert.That(message.From.Span.SequenceEqual(author.PeerId.Bytes.Span), Is.True);
        Assert.That(message.Seqno.ToByteArray(), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 42 }));
        Assert.That(message.HasKey, Is.False);
        Assert.That(MessageSigning.Check(message, SignaturePolicy.StrictSign), Is.EqualTo(SignatureCheck.Valid));
    }

    [Test]
    public void The_signature_covers_the_prefixed_protobuf_without_signature_and_key()
    {
        using var author = PrivateKey.Generate(KeyType.Ed25519);
        var message = MessageSigning.Create("t", "payload"u8.ToArray(), SignaturePolicy.StrictSign, author, 1);
        var unsigned = message.Clone();
        unsigned.ClearSignature();
        var signed = "libp2p-pubsub:"u8.ToArray().Concat(unsigned.ToByteArray()).ToArray();
        Assert.That(author.PublicKey.Verify(signed, message.Signature.Span), Is.True);
    }

    [Test]
    public void Tampering_with_any_signed_field_fails_verification()
    {
        using var author = PrivateKey.Generate(KeyType.Ed25519);
        var original = MessageSigning.Create("t", "payload"u8.ToArray(), SignaturePolicy.StrictSign, author, 1);
        var tampered = new List<Message>
        {
            new(original) { Data = ByteString.CopyFromUtf8("other") },
            new(original) { Topic = "u" },
            new(original) { Seqno = ByteString.CopyFrom(new byte[8]) },
            new(original) { From = ByteString.CopyFrom(PrivateKey.Generate(KeyType.Ed25519).PeerId.Bytes.Span) },
        };
        foreach (var message in tampered)
            Assert.That(MessageSigning.Check(message, SignaturePolicy.StrictSign), Is.EqualTo(SignatureCheck.BadSignature));

        var missing = new Message(original);
        missing.ClearSignature();
        Assert.That(MessageSigning.Check(missing, SignaturePolicy.StrictSign), Is.EqualTo(SignatureCheck.MissingField));
        var garbageAuthor = new Message(original) { From = ByteString.CopyFrom(1, 2, 3) };
        Assert.That(MessageSigning.Check(garbageAuthor, SignaturePolicy.StrictSign), Is.Not.EqualTo(SignatureCheck.Valid));
    }

    [Test]
    public void A_key_field_that_does_not_match_from_is_rejected()
    {
        using var author = PrivateKey.Generate(KeyType.Ed25519);
        var message = MessageSigning.Create("t", "x"u8.ToArray(), SignaturePolicy.StrictSign, author, 1);
        // An identity-multihash id already fixes the key, so a contradicting key field cannot help a forger.
        message.Key = ByteString.CopyFrom(PrivateKey.Generate(KeyType.Ed25519).PublicKey.ToProtobuf());
        Assert.That(MessageSigning.Check(message, SignaturePolicy.StrictSign), Is.EqualTo(SignatureCheck.Valid));
        var forged = MessageSigning.Create("t", "y"u8.ToArray(), SignaturePolicy.StrictSign, PrivateKey.Generate(KeyType.Ed25519), 1);
        forged.From = message.From;
        Assert.That(MessageSigning.Check(forged, SignaturePolicy.StrictSign), Is.EqualTo(SignatureCheck.BadSignature));
    }

    [Test]
    public void StrictNoSign_messages_have_only_topic_and_data_and_are_identified_by_sha256_of_data()
    {
        using var author = PrivateKey.Generate(KeyType.Ed25519);
        var message = MessageSigning.Create("cerebrum/1/txs", "tx"u8.ToArray(), SignaturePolicy.StrictNoSign, author, 1);
        Assert.That(message.HasFrom || message.HasSeqno || message.HasSignature || message.HasKey, Is.False);
        Assert.That(MessageSigning.Check(message, SignaturePolicy.StrictNoSign), Is.EqualTo(SignatureCheck.Valid));
        var id = new TopicOptions { SignaturePolicy = SignaturePolicy.StrictNoSign }.ResolveMessageId()(message);
        Assert.That(id.ToArray(), Is.EqualTo(SHA256.HashData("tx"u8)));

        var signed = MessageSigning.Create("cerebrum/1/txs", "tx"u8.ToArray(), SignaturePolicy.StrictSign, author, 1);
        Assert.That(MessageSigning.Check(signed, SignaturePolicy.StrictNoSign), Is.EqualTo(SignatureCheck.UnexpectedField));
        Assert.That(MessageSigning.Check(message, SignaturePolicy.StrictSign), Is.EqualTo(SignatureCheck.MissingField));
    }

    [Test]
    public void Default_message_id_is_from_followed_by_seqno()
    {
        using var author = PrivateKey.Generate(KeyType.Secp256k1);
        var message = MessageSigning.Create("t", "x"u8.ToArray(), SignaturePolicy.StrictSign, author, 5);
        var id = MessageIds.FromAndSeqno(message);
        Assert.That(id.ToArray(), Is.EqualTo(author.PeerId.Bytes.ToArray().Concat(new byte[] { 0, 0, 0, 0, 0, 0, 0, 5 }).ToArray()));
    }

    [Test]
    public void Router_drops_forged_messages_penalises_the_sender_and_does_not_mark_them_seen()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var (forger, honest) = (h.AddSubscribedPeers(1)[0], h.AddSubscribedPeers(1)[0]);
        using var author = PrivateKey.Generate(KeyType.Ed25519);
        var genuine = SignedMessage(author, "genuine", 9);
        var forged = new Message(genuine) { Data = ByteString.CopyFromUtf8("forged") };

        h.Receive(forger, new RPC { Publish = { forged } });
        Assert.That(h.Delivered, Is.Empty);
        Assert.That(h.Core.Counters.InvalidSignatures, Is.EqualTo(1));
        Assert.That(h.Core.Score(forger), Is.LessThan(0));

        h.Receive(honest, new RPC { Publish = { genuine } });
        Assert.That(h.Delivered.Single().Data.ToArray(), Is.EqualTo("genuine"u8.ToArray()), "the forged copy did not shadow the genuine id");
    }

    [Test]
    public void Per_topic_policy_and_message_id_function_are_honoured()
    {
        var options = new GossipsubOptions
        {
            Topics = new Dictionary<string, TopicOptions>
            {
                ["nosign"] = new() { SignaturePolicy = SignaturePolicy.StrictNoSign },
                ["custom"] = new() { MessageId = m => new MessageId(m.Data.ToByteArray()) },
            },
        };
        var h = new CoreHarness(options);
        var peer = h.AddSubscribedPeers(1, "nosign")[0];
        h.Core.Subscribe("nosign");
        h.Core.Subscribe("custom");
        var published = h.Core.Publish("nosign", "abc"u8.ToArray());
        Assert.That(published.Id.ToArray(), Is.EqualTo(SHA256.HashData("abc"u8)));
        Assert.That(published.Wire.HasSignature, Is.False);
        Assert.Throws<InvalidOperationException>(() => h.Core.Publish("nosign", "abc"u8.ToArray()), "same payload, same id");
        Assert.That(h.Core.Publish("custom", "id-is-data"u8.ToArray()).Id.ToArray(), Is.EqualTo("id-is-data"u8.ToArray()));
        Assert.That(h.Core.Publish("default", "x"u8.ToArray()).Wire.HasSignature, Is.True);
        Assert.That(peer, Is.Not.Null);
    }

    [Test]
    public void Signature_results_computed_by_the_edge_are_used_and_only_unseen_messages_are_offered_for_verification()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        using var author = PrivateKey.Generate(KeyType.Ed25519);
        var (first, second, other) = (SignedMessage(author, "a", 1), SignedMessage(author, "b", 2), SignedMessage(author, "c", 3, "unsubscribed"));
        var rpc = new RPC { Publish = { first, second, other } };
        Assert.That(h.Core.MessagesToVerify(peer, rpc), Is.EqualTo(new[] { first, second }));

        // The edge claims the second one failed: the core trusts that verdict.
        var checks = new Dictionary<Message, SignatureCheck>(ReferenceEqualityComparer.Instance) { [first] = SignatureCheck.Valid, [second] = SignatureCheck.BadSignature };
        h.Core.HandleRpc(peer, rpc, checks);
        h.Drain();
        Assert.That(h.Delivered.Select(d => d.Data.ToArray()), Is.EqualTo(new[] { "a"u8.ToArray() }));
        Assert.That(h.Core.Counters.InvalidSignatures, Is.EqualTo(1));
        Assert.That(h.Core.MessagesToVerify(peer, new RPC { Publish = { first, second } }), Is.EqualTo(new[] { second }), "seen messages need no verification");
    }
}
