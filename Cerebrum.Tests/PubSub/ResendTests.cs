using Cerebrum.Core.PubSub;
using static Cerebrum.Tests.PubSub.CoreHarness;

namespace Cerebrum.Tests.PubSub;

/// <summary>
/// Re-sending an identical StrictNoSign payload (same message id), as consensus re-broadcasts do: refused by default,
/// sent to the current mesh again on request, never delivered locally twice.
/// </summary>
[TestFixture]
public sealed class ResendTests
{
    [Test]
    public void AnIdenticalPayload_IsRefusedByDefault_AndResentToTheCurrentMeshOnRequest()
    {
        var h = new CoreHarness(new GossipsubOptions
        {
            FloodPublish = false,
            DeliverOwnMessages = true,
            Topics = new Dictionary<string, TopicOptions> { [Topic] = new() { SignaturePolicy = SignaturePolicy.StrictNoSign } },
        });
        h.Core.Subscribe(Topic);
        h.AddSubscribedPeers(4);
        h.Heartbeat();
        h.Core.Publish(Message(h, 1));
        h.Drain();
        Assert.That(h.Delivered, Has.Count.EqualTo(1));

        // A peer that joins after the first send.
        var late = h.AddSubscribedPeers(1);
        h.Heartbeat();
        h.Sent.Clear();
        Assert.Throws<InvalidOperationException>(() => h.Core.Publish(Message(h, 2)));

        h.Core.Publish(Message(h, 3), resendIfSeen: true);
        h.Drain();
        var targets = h.Published().Select(p => p.Peer).ToList();
        Assert.That(targets, Is.EquivalentTo(h.Core.MeshPeers(Topic)));
        Assert.That(h.Core.MeshPeers(Topic), Does.Contain(late[0]), "the mesh took in the late peer");
        Assert.That(h.Delivered, Has.Count.EqualTo(1), "not delivered locally again");
    }

    // StrictNoSign messages carry no seqno or signature: the same payload is the same message whatever the seqno.
    private static Cerebrum.Core.PubSub.Proto.Message Message(CoreHarness h, ulong seqno) =>
        MessageSigning.Create(Topic, "same payload"u8.ToArray(), SignaturePolicy.StrictNoSign, h.Key, seqno);
}
