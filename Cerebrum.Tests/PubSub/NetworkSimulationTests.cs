using System.Diagnostics;
using System.Text;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Tests.PubSub;

/// <summary>Whole-network behaviour: 100 routers in one process on in-memory links with a fake clock and a fixed seed.</summary>
public sealed class NetworkSimulationTests
{
    private const string Topic = "sim";

    [TestCase(SignaturePolicy.StrictSign)]
    [TestCase(SignaturePolicy.StrictNoSign)]
    public void Thousand_messages_from_random_publishers_reach_all_100_routers(SignaturePolicy policy)
    {
        var stopwatch = Stopwatch.StartNew();
        var net = new SimulatedNetwork(seed: 20251126);
        if (policy == SignaturePolicy.StrictNoSign) net.IdOf = MessageIds.Sha256OfData;
        var options = new GossipsubOptions { DefaultSignaturePolicy = policy, DeliverOwnMessages = true };
        var routers = Enumerable.Range(0, 100).Select(_ => net.AddRouter(options)).ToList();
        net.ConnectRandomly(routers, degree: 5);
        foreach (var r in routers) net.Subscribe(r, Topic);
        net.Flush();
        net.Heartbeat(5);
        foreach (var r in routers)
            Assert.That(r.Core!.MeshPeers(Topic), Has.Count.InRange(r.Core.Options.DLow, r.Core.Options.DHigh),
                "every mesh is within [D_lo, D_hi] after the warm-up");

        var published = new List<MessageId>();
        for (var i = 0; i < 1000; i++)
        {
            var publisher = routers[net.Random.Next(routers.Count)];
            published.Add(net.Publish(publisher, Topic, Encoding.UTF8.GetBytes($"message {i} from {publisher.Id}")).Id);
            net.Flush();
            if (i % 50 == 49) net.Heartbeat(); // 50 messages per second
        }
        net.Heartbeat(5);

        var deliveredEverywhere = 0;
        foreach (var id in published)
            if (routers.All(r => r.Delivered.Any(d => d.Id == id))) deliveredEverywhere++;
        var total = routers.Sum(r => r.Delivered.Count);
        var copies = published.Select(id => net.CopiesReceived.GetValueOrDefault(id)).ToList();
        // A router receives each message once usefully; every further copy anywhere is a duplicate.
        var duplicates = copies.Select(c => c - 99).ToList();
        TestContext.Out.WriteLine($"{policy}: {deliveredEverywhere}/1000 messages reached all 100 routers; {total} deliveries");
        TestContext.Out.WriteLine($"duplicates per message (network-wide): mean {duplicates.Average():F1}, min {duplicates.Min()}, max {duplicates.Max()}; per router per message {duplicates.Average() / 100:F2}");
        TestContext.Out.WriteLine($"RPCs delivered {net.RpcsDelivered}, wall time {stopwatch.Elapsed.TotalSeconds:F1} s");

        Assert.That(deliveredEverywhere, Is.EqualTo(1000));
        Assert.That(routers.All(r => r.Delivered.Count == 1000), Is.True, "no router delivered a message twice");
        Assert.That(duplicates.Average(), Is.LessThan(100 * 12), "duplicates bounded by the mesh degree");
    }

    [Test]
    public void Meshes_recover_after_a_third_of_the_routers_leave()
    {
        var net = new SimulatedNetwork(seed: 7);
        var routers = Enumerable.Range(0, 60).Select(_ => net.AddRouter()).ToList();
        net.ConnectRandomly(routers, degree: 8);
        foreach (var r in routers) net.Subscribe(r, Topic);
        net.Heartbeat(3);

        var leaving = routers.Take(20).ToList();
        var staying = routers.Skip(20).ToList();
        foreach (var r in leaving)
            foreach (var peer in r.Links.ToList())
            {
                peer.Core?.RemovePeer(r.Id);
                peer.Links.Remove(r);
                r.Links.Remove(peer);
            }
        net.Heartbeat(3);
        foreach (var r in staying)
        {
            var reachable = r.Core!.TopicPeers(Topic).Count;
            var meshSize = r.Core.MeshPeers(Topic).Count;
            Assert.That(meshSize >= Math.Min(reachable, r.Core.Options.DLow) && meshSize <= r.Core.Options.DHigh, Is.True,
                $"mesh of {meshSize} with {reachable} reachable topic peers");
        }

        var id = net.Publish(staying[0], Topic, "after churn"u8.ToArray()).Id;
        net.Flush();
        net.Heartbeat(3);
        Assert.That(staying.Skip(1).Count(r => r.Delivered.Any(d => d.Id == id)), Is.EqualTo(staying.Count - 1));
    }

    private static (long Rpcs, string Meshes, long Duplicates) RunSmallNetwork(int seed)
    {
        var net = new SimulatedNetwork(seed);
        var routers = Enumerable.Range(0, 30).Select(_ => net.AddRouter()).ToList();
        net.ConnectRandomly(routers, degree: 4);
        foreach (var r in routers) net.Subscribe(r, Topic);
        net.Heartbeat(3);
        for (var i = 0; i < 100; i++)
        {
            net.Publish(routers[net.Random.Next(routers.Count)], Topic, BitConverter.GetBytes(i));
            net.Flush();
            if (i % 20 == 19) net.Heartbeat();
        }
        net.Heartbeat(3);
        var meshes = string.Join(";", routers.Select(r => string.Join(",", r.Core!.MeshPeers(Topic).Select(p => p.ToString()).Order())));
        return (net.RpcsDelivered, meshes, routers.Sum(r => r.Core!.Counters.DuplicateMessages));
    }

    [Test]
    public void Simulations_with_the_same_seed_are_identical()
    {
        var first = RunSmallNetwork(5);
        var second = RunSmallNetwork(5);
        var other = RunSmallNetwork(6);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(other.Meshes, Is.Not.EqualTo(first.Meshes));
    }
}
