using Cerebrum.Core.Crypto;
using Cerebrum.Core.Multiformats;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.PubSub;

/// <summary>
/// Gossipsub input from a peer: <see cref="RpcFrame.ReadAsync"/> yields an RPC, a clean end, or
/// <see cref="InvalidDataException"/> (framing) / <see cref="InvalidProtocolBufferException"/> (content); the core then
/// handles any parsed RPC (messages, signatures, control) without throwing.
/// </summary>
public class RpcFuzzTests
{
    private static readonly PrivateKey Author = Fuzz.Key("rpc-fuzz-author", KeyType.Secp256k1);

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Author.Dispose();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void ReadAsyncAndHandleRpc_AcceptOrRejectHostileRpcs(int seed)
    {
        var harness = new CoreHarness(seed: seed);
        harness.Core.Subscribe(CoreHarness.Topic);
        var peers = harness.AddSubscribedPeers(3);
        var valid = ValidRpcs(peers[1]).Select(Frame).ToList();
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(400); i++)
        {
            var input = mutator.Next(valid, 64);
            RPC? rpc = null;
            // Not CheckBounded: a frame within the 1 MiB cap is read into a pooled buffer, allocated once and reused.
            if (!Fuzz.Check("RpcFrame.ReadAsync", seed, input, () => rpc = Read(input), typeof(InvalidDataException), typeof(InvalidProtocolBufferException)) || rpc is null)
                continue;
            Fuzz.Check("GossipsubCore.HandleRpc", seed, input, () =>
            {
                harness.Core.HandleRpc(peers[i % peers.Count], rpc);
                foreach (var message in rpc.Publish)
                    MessageSigning.Check(message, SignaturePolicy.StrictSign);
                if (i % 50 == 0)
                    harness.Heartbeat();
                harness.Drain();
            });
        }
        Assert.That(harness.Core.Peers.Count(), Is.EqualTo(peers.Count), "hostile RPCs must not add or drop peers");
    }

    [Test]
    public void ClaimedLengthAboveTheCap_FailsBeforeReadingTheBody()
    {
        var error = Assert.Throws<InvalidDataException>(() => Read([0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3]));
        Assert.That(error!.Message, Does.Contain("2147483647 bytes exceeds the limit of 1048576"));
    }

    [Test]
    public void PaddedLengthPrefix_IsRejectedAsNotMinimal()
    {
        var error = Assert.Throws<InvalidDataException>(() => Read([0x81, 0x00, 0x08]));
        Assert.That(error!.Message, Does.Contain("not minimally encoded"));
    }

    private static RPC? Read(byte[] input)
    {
        using var stream = new MemoryStream(input);
        return RpcFrame.ReadAsync(stream, new GossipsubOptions().MaxRpcSize, new byte[1], CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    private static byte[] Frame(RPC rpc)
    {
        var frame = RpcFrame.Serialize(rpc);
        try
        {
            return frame.Memory.ToArray();
        }
        finally
        {
            frame.Return();
        }
    }

    private static IEnumerable<RPC> ValidRpcs(PeerId neighbour)
    {
        var message = MessageSigning.Create(CoreHarness.Topic, new byte[] { 1, 2, 3 }, SignaturePolicy.StrictSign, Author, 1);
        var id = ByteString.CopyFrom(Multihash.Sha256([7]));
        yield return new RPC { Subscriptions = { new SubOpts { Subscribe = true, Topicid = "other" }, new SubOpts { Subscribe = false, Topicid = CoreHarness.Topic } } };
        yield return new RPC { Publish = { message } };
        yield return new RPC
        {
            Control = new ControlMessage
            {
                Ihave = { new ControlIHave { TopicID = CoreHarness.Topic, MessageIDs = { id } } },
                Iwant = { new ControlIWant { MessageIDs = { id } } },
                Idontwant = { new ControlIDontWant { MessageIDs = { id } } },
            },
        };
        yield return new RPC
        {
            Control = new ControlMessage
            {
                Graft = { new ControlGraft { TopicID = CoreHarness.Topic } },
                Prune = { new ControlPrune { TopicID = CoreHarness.Topic, Backoff = 60, Peers = { new PeerInfo { PeerID = ByteString.CopyFrom(neighbour.Bytes.Span) } } } },
            },
        };
    }
}
