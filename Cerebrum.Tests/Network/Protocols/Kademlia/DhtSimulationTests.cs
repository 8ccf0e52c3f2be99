using Cerebrum.Core.Network.Protocols.Kademlia;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>
/// A DHT of 200 simulated peers (issue 17): lookups finish in O(log n) round trips, every peer finds the providers of
/// every model, and with 20 % of the peers gone lookups still succeed.
/// </summary>
[TestFixture]
public sealed class DhtSimulationTests
{
    private const int Peers = 200;
    private static readonly double Log2Peers = Math.Log2(Peers);

    private static DhtSimulation Build(int seed)
    {
        var sim = new DhtSimulation(seed, new KademliaOptions());
        var bootstrap = sim.Join(null);
        for (var i = 1; i < Peers; i++)
            sim.Join(bootstrap);
        return sim;
    }

    private static byte[] ModelKey(DhtSimulation sim)
    {
        var digest = new byte[32];
        sim.Random.NextBytes(digest);
        return ModelProviderKey.For("sha256:" + Convert.ToHexStringLower(digest));
    }

    [Test]
    public void Lookups_FindTheClosestPeers_InLogarithmicRoundTrips()
    {
        var sim = Build(17);
        var roundTrips = new List<double>();
        var requests = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            var from = sim.Nodes[sim.Random.Next(Peers)];
            var target = sim.Nodes[(sim.Nodes.IndexOf(from) + 1 + sim.Random.Next(Peers - 1)) % Peers];
            var started = sim.Now;

            var lookup = sim.Run(from, from.FindClosest(target.Self.Bytes));

            roundTrips.Add((sim.Now - started) / DhtSimulation.RoundTrip);
            requests.Add(lookup.RequestsSent);
            var expected = sim.TrueClosest(target.Self.Bytes.Span, 20).Where(p => p != from.Self);
            Assert.That(lookup.ClosestAnswered(), Does.Contain(target.Self), $"lookup {i} found its target");
            Assert.That(lookup.ClosestAnswered().Take(10), Is.SubsetOf(expected), $"lookup {i}'s closest are truly the closest");
        }
        TestContext.Out.WriteLine($"round trips: mean {roundTrips.Average():F2}, max {roundTrips.Max()}; requests: mean {requests.Average():F1}, max {requests.Max()}; log2(n) = {Log2Peers:F2}");

        Assert.That(roundTrips.Max(), Is.LessThanOrEqualTo(Math.Ceiling(Log2Peers)), "every lookup within log2(n) round trips");
        Assert.That(roundTrips.Average(), Is.LessThanOrEqualTo(Log2Peers / 2), "typical lookups well inside the bound");
    }

    [Test]
    public void EveryPeer_FindsTheProvidersOfEveryModel()
    {
        var sim = Build(18);
        var models = Enumerable.Range(0, 5).Select(_ => ModelKey(sim)).ToList();
        var providers = models.Select(_ => sim.Nodes[sim.Random.Next(Peers)]).ToList();
        for (var m = 0; m < models.Count; m++)
            Assert.That(sim.Provide(providers[m], models[m]), Is.EqualTo(20), "published on k peers");

        for (var m = 0; m < models.Count; m++)
        {
            foreach (var node in sim.Nodes)
            {
                if (node == providers[m])
                    continue;
                var local = node.LocalProviders(models[m], sim.Now);
                var found = local.Count > 0 ? local : [.. sim.Run(node, node.FindProviders(models[m], wanted: 1)).Providers];

                Assert.That(found.Select(p => p.Id), Does.Contain(providers[m].Self), $"{node.Self} finds model {m}'s provider");
                Assert.That(found.Single(p => p.Id == providers[m].Self).Addresses, Is.Not.Empty, "with its addresses");
            }
        }
    }

    [Test]
    public void WithAFifthOfThePeersGone_LookupsStillSucceed()
    {
        var sim = Build(19);
        var model = ModelKey(sim);
        var provider = sim.Nodes[3];
        sim.Provide(provider, model);
        var leaving = sim.Nodes.Where(n => n != provider).OrderBy(_ => sim.Random.Next()).Take(Peers / 5).ToList();
        foreach (var node in leaving)
            sim.Leave(node);
        var online = sim.Online.ToList();

        var failures = new List<string>();
        foreach (var node in online)
        {
            var target = online[sim.Random.Next(online.Count)];
            if (target != node && !sim.Run(node, node.FindClosest(target.Self.Bytes)).ClosestAnswered().Contains(target.Self))
                failures.Add($"{node.Self} did not find {target.Self}");
            if (node != provider && node.LocalProviders(model, sim.Now).Count == 0
                && !sim.Run(node, node.FindProviders(model, wanted: 1)).Providers.Any(p => p.Id == provider.Self))
                failures.Add($"{node.Self} did not find the provider");
        }

        Assert.That(online, Has.Count.EqualTo(Peers - Peers / 5));
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void ARepublish_AfterChurn_PutsTheRecordBackOnTheClosestOnlinePeers()
    {
        var sim = Build(20);
        var model = ModelKey(sim);
        var provider = sim.Nodes[5];
        sim.Provide(provider, model);
        var holders = sim.TrueClosest(model, 20);
        foreach (var node in sim.Nodes.Where(n => holders.Take(10).Contains(n.Self)))
            sim.Leave(node);

        // Half the holders are gone; by the next republish the routing tables' upkeep has noticed, and the record goes
        // to the closest peers still there.
        var early = sim.Provide(provider, model);
        sim.Advance(new KademliaOptions().ProviderRepublishInterval);
        foreach (var node in sim.Online.ToList())
            sim.Refresh(node);
        var republished = sim.Provide(provider, model);
        var holdersNow = sim.TrueClosest(model, 20).Where(p => p != provider.Self).ToList();

        Assert.That(early, Is.Zero, "republishing waits for its interval");
        Assert.That(republished, Is.EqualTo(20));
        Assert.That(sim.Online.Where(n => holdersNow.Contains(n.Self)).Count(n => n.LocalProviders(model, sim.Now).Any(p => p.Id == provider.Self)),
            Is.EqualTo(holdersNow.Count), "every one of the closest online peers holds the record");
    }
}
