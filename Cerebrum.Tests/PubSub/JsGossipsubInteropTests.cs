using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>C# gossipsub against @chainsafe/libp2p-gossipsub (scripts/interop/gossip-peer.mjs) over loopback TCP.</summary>
[Category("Interop")]
public sealed class JsGossipsubInteropTests
{
    private const string Topic = "cerebrum/interop/gossip";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<GossipTestNode> StartNodeAsync(KeyType keyType, SignaturePolicy policy)
    {
        var host = await TestHosts.StartAsync(keyType);
        var router = new GossipRouter(host.Identity, new GossipsubOptions
        {
            DefaultSignaturePolicy = policy,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        });
        router.Start();
        var binding = new GossipHostBinding(host, router);
        binding.Start();
        return new GossipTestNode(host, router, binding);
    }

    private static async Task<PubSubMessage> NextAsync(Subscription subscription)
    {
        await using var e = subscription.Messages().GetAsyncEnumerator();
        Assert.That(await e.MoveNextAsync().AsTask().WaitAsync(Timeout), Is.True);
        return e.Current;
    }

    [TestCase(KeyType.Ed25519, KeyType.Ed25519, SignaturePolicy.StrictSign)]
    [TestCase(KeyType.Secp256k1, KeyType.Ed25519, SignaturePolicy.StrictSign)]
    [TestCase(KeyType.Ed25519, KeyType.Secp256k1, SignaturePolicy.StrictSign)]
    [TestCase(KeyType.Secp256k1, KeyType.Secp256k1, SignaturePolicy.StrictNoSign)]
    public async Task CSharp_and_js_peers_graft_each_other_and_exchange_messages(KeyType csharpKey, KeyType jsKey, SignaturePolicy policy)
    {
        await using var node = await StartNodeAsync(csharpKey, policy);
        var subscription = await node.Router.SubscribeAsync(Topic);
        await using var js = await JsGossipPeer.StartAsync("--key", jsKey.ToString().ToLowerInvariant(), "--topic", Topic,
            "--sign", policy == SignaturePolicy.StrictSign ? "strict" : "nosign", "--heartbeat-ms", "200",
            "--dial", TestHosts.AddressOf(node.Host).ToString());
        var jsPeer = PeerId.Parse(js.PeerId);
        var csharpPeer = node.Host.PeerId.ToString();

        await Poll.UntilAsync(() => node.Router.GetMeshPeers(Topic).Contains(jsPeer), Timeout);
        await js.WaitForAsync("graft", Timeout, e => e.GetProperty("peerId").GetString() == csharpPeer);

        await node.Router.PublishAsync(Topic, "hello from C#"u8.ToArray());
        var atJs = await js.WaitForAsync("message", Timeout);
        Assert.That(atJs.GetProperty("data").GetString(), Is.EqualTo("hello from C#"));
        if (policy == SignaturePolicy.StrictSign)
        {
            Assert.That(atJs.GetProperty("type").GetString(), Is.EqualTo("signed"), "js verified our signature");
            Assert.That(atJs.GetProperty("from").GetString(), Is.EqualTo(csharpPeer));
        }
        else
        {
            Assert.That(atJs.GetProperty("type").GetString(), Is.EqualTo("unsigned"));
        }

        await js.PublishAsync(Topic, "hello from js");
        var atCSharp = await NextAsync(subscription);
        Assert.That(Encoding.UTF8.GetString(atCSharp.Data.Span), Is.EqualTo("hello from js"));
        Assert.That(atCSharp.ReceivedFrom, Is.EqualTo(jsPeer));
        Assert.That(atCSharp.From, policy == SignaturePolicy.StrictSign ? Is.EqualTo(jsPeer) : Is.Null);
        Assert.That(node.Router.GetCounters().InvalidSignatures, Is.Zero);

        // Leaving sends PRUNE, which js reports.
        node.Router.Unsubscribe(Topic);
        await js.WaitForAsync("prune", Timeout, e => e.GetProperty("peerId").GetString() == csharpPeer);
    }

    [Test]
    public async Task A_mixed_mesh_of_two_CSharp_and_two_js_peers_delivers_every_message_everywhere()
    {
        await using var c1 = await StartNodeAsync(KeyType.Ed25519, SignaturePolicy.StrictSign);
        await using var c2 = await StartNodeAsync(KeyType.Secp256k1, SignaturePolicy.StrictSign);
        var sub1 = await c1.Router.SubscribeAsync(Topic);
        var sub2 = await c2.Router.SubscribeAsync(Topic);
        // A line c1 - j1 - c2 - j2: every message must cross both implementations to reach the far end.
        await using var j1 = await JsGossipPeer.StartAsync("--topic", Topic, "--heartbeat-ms", "200",
            "--dial", TestHosts.AddressOf(c1.Host).ToString(), "--dial", TestHosts.AddressOf(c2.Host).ToString());
        await using var j2 = await JsGossipPeer.StartAsync("--key", "secp256k1", "--topic", Topic, "--heartbeat-ms", "200",
            "--dial", TestHosts.AddressOf(c2.Host).ToString());
        var (p1, p2) = (PeerId.Parse(j1.PeerId), PeerId.Parse(j2.PeerId));
        await Poll.UntilAsync(() => c1.Router.GetMeshPeers(Topic).Contains(p1)
                                    && c2.Router.GetMeshPeers(Topic).Contains(p1)
                                    && c2.Router.GetMeshPeers(Topic).Contains(p2), Timeout);
        await j1.WaitForAsync("graft", Timeout, e => e.GetProperty("peerId").GetString() == c2.Host.PeerId.ToString());
        await j2.WaitForAsync("graft", Timeout, e => e.GetProperty("peerId").GetString() == c2.Host.PeerId.ToString());

        await c1.Router.PublishAsync(Topic, "from c1"u8.ToArray());
        await j2.WaitForAsync("message", Timeout, e => e.GetProperty("data").GetString() == "from c1");
        await j1.WaitForAsync("message", Timeout, e => e.GetProperty("data").GetString() == "from c1");
        Assert.That(Encoding.UTF8.GetString((await NextAsync(sub2)).Data.Span), Is.EqualTo("from c1"));

        await j2.PublishAsync(Topic, "from j2");
        var atC1 = await NextAsync(sub1);
        Assert.That(Encoding.UTF8.GetString(atC1.Data.Span), Is.EqualTo("from j2"));
        Assert.That(atC1.From, Is.EqualTo(p2));
        Assert.That(atC1.ReceivedFrom, Is.EqualTo(p1), "relayed by the js peer in the middle");
        Assert.That(Encoding.UTF8.GetString((await NextAsync(sub2)).Data.Span), Is.EqualTo("from j2"));
        await j1.WaitForAsync("message", Timeout, e => e.GetProperty("data").GetString() == "from j2");

        // Large messages make both sides send IDONTWANT (v1.2) to their mesh peers; delivery must be unaffected.
        var before = (C1: c1.Router.GetCounters(), C2: c2.Router.GetCounters());
        var large = new string('x', 4096);
        await c2.Router.PublishAsync(Topic, Encoding.UTF8.GetBytes(large));
        await j2.PublishAsync(Topic, large + "j2");
        foreach (var js in new[] { j1, j2 })
            await js.WaitForAsync("message", Timeout, e => e.GetProperty("data").GetString() == large);
        await j1.WaitForAsync("message", Timeout, e => e.GetProperty("data").GetString() == large + "j2");
        var received = new List<string>();
        using var deadline = new CancellationTokenSource(Timeout);
        await foreach (var message in sub1.Messages(deadline.Token))
        {
            received.Add(Encoding.UTF8.GetString(message.Data.Span));
            if (received.Count == 2) break;
        }
        Assert.That(received, Is.EquivalentTo(new[] { large, large + "j2" }));

        // Who tells whom, on the line c1 - j1 - c2 - j2 (a publisher sends none; a receiver tells its other mesh peers):
        // c2's message: j1 tells c1. j2's message: c2 tells j1, then j1 tells c1. Counted by js where gossipsub sends
        // and handles them, and by our router, and both must agree.
        var c1Id = c1.Host.PeerId.ToString();
        var c2Id = c2.Host.PeerId.ToString();
        var atJ1 = await Poll.UntilAsync(() => IDontWantCountsAsync(j1), counts =>
            counts.Sent.GetValueOrDefault(c1Id) >= 2 && counts.Received.GetValueOrDefault(c2Id) >= 1, Timeout,
            counts => $"j1 sent {Describe(counts.Sent)}, received {Describe(counts.Received)}");
        await Poll.UntilAsync(() => c1.Router.GetCounters().IDontWantsReceived - before.C1.IDontWantsReceived >= 2, Timeout);
        var atJ2 = await IDontWantCountsAsync(j2);
        var (c1After, c2After) = (c1.Router.GetCounters(), c2.Router.GetCounters());
        Assert.Multiple(() =>
        {
            Assert.That(atJ1.Sent, Is.EquivalentTo(new Dictionary<string, long> { [c1Id] = 2 }), "j1 told c1 about both messages");
            Assert.That(atJ1.Received, Is.EquivalentTo(new Dictionary<string, long> { [c2Id] = 1 }), "c2 told j1 about j2's message, as js saw it");
            Assert.That(atJ2.Sent, Is.Empty, "j2 has no mesh peer but its source");
            Assert.That(atJ2.Received, Is.Empty, "nobody received a message from j2's side before j2");
            Assert.That(c2After.IDontWantsSent - before.C2.IDontWantsSent, Is.EqualTo(1), "c2 sent one IDONTWANT (to j1)");
            Assert.That(c2After.IDontWantsReceived - before.C2.IDontWantsReceived, Is.Zero);
            Assert.That(c1After.IDontWantsReceived - before.C1.IDontWantsReceived, Is.EqualTo(2), "c1 received j1's two");
            Assert.That(c1After.IDontWantsSent - before.C1.IDontWantsSent, Is.Zero, "c1's only mesh peer is the source");
            Assert.That(c1After.IgnoredIDontWants + c2After.IgnoredIDontWants, Is.Zero);
        });
    }

    private static async Task<(Dictionary<string, long> Sent, Dictionary<string, long> Received)> IDontWantCountsAsync(JsGossipPeer js)
    {
        var seen = js.Events.Count(e => e.TryGetProperty("event", out var name) && name.GetString() == "idontwant");
        await js.SendAsync(new { cmd = "idontwant" });
        var answer = await Poll.UntilAsync(() => Task.FromResult(js.Events.Where(e => e.TryGetProperty("event", out var name) && name.GetString() == "idontwant").Skip(seen).FirstOrDefault()),
            e => e.ValueKind == System.Text.Json.JsonValueKind.Object, Timeout, _ => "no idontwant answer from js");
        static Dictionary<string, long> Read(System.Text.Json.JsonElement map) => map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        return (Read(answer.GetProperty("sent")), Read(answer.GetProperty("received")));
    }

    private static string Describe(Dictionary<string, long> counts) => "{" + string.Join(", ", counts.Select(p => $"{p.Key}: {p.Value}")) + "}";
}
