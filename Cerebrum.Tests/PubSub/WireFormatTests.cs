using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.PubSub;

/// <summary>Field numbers and wire types checked byte by byte against the pubsub and gossipsub specs.</summary>
public sealed class WireFormatTests
{
    [Test]
    public void Rpc_fields_use_the_spec_numbers()
    {
        var rpc = new RPC
        {
            Subscriptions = { new SubOpts { Subscribe = true, Topicid = "a" } },
            Publish = { new Message { From = ByteString.CopyFrom(1), Data = ByteString.CopyFrom(2), Seqno = ByteString.CopyFrom(3), Topic = "b", Signature = ByteString.CopyFrom(4), Key = ByteString.CopyFrom(5) } },
        };
        Assert.That(Convert.ToHexStringLower(rpc.ToByteArray()), Is.EqualTo(
            "0a05" + "0801" + "120161" +
            "1212" + "0a0101" + "120102" + "1a0103" + "220162" + "2a0104" + "320105"));
    }

    [Test]
    public void Control_fields_use_the_spec_numbers()
    {
        var control = new ControlMessage
        {
            Ihave = { new ControlIHave { TopicID = "a", MessageIDs = { ByteString.CopyFrom(1) } } },
            Iwant = { new ControlIWant { MessageIDs = { ByteString.CopyFrom(2) } } },
            Graft = { new ControlGraft { TopicID = "b" } },
            Prune = { new ControlPrune { TopicID = "c", Peers = { new PeerInfo { PeerID = ByteString.CopyFrom(3), SignedPeerRecord = ByteString.CopyFrom(4) } }, Backoff = 60 } },
            Idontwant = { new ControlIDontWant { MessageIDs = { ByteString.CopyFrom(5) } } },
        };
        var rpc = new RPC { Control = control };
        Assert.That(Convert.ToHexStringLower(rpc.ToByteArray()), Is.EqualTo(
            "1a26" +
            "0a06" + "0a0161" + "120101" +
            "1203" + "0a0102" +
            "1a03" + "0a0162" +
            "220d" + "0a0163" + "1206" + "0a0103" + "120104" + "183c" +
            "2a03" + "0a0105"));
    }

    [Test]
    public void Unknown_fields_are_skipped()
    {
        // RPC with an unknown field 9 (varint) followed by a subscription.
        var bytes = Convert.FromHexString("4801" + "0a050801120161");
        var rpc = RPC.Parser.ParseFrom(bytes);
        Assert.That(rpc.Subscriptions.Single().Topicid, Is.EqualTo("a"));
    }
}
