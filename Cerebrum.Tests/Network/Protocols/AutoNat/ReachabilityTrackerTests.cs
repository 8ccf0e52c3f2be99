using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.AutoNat;

namespace Cerebrum.Tests.Network.Protocols.AutoNat;

/// <summary>The AutoNAT client's tally: distinct servers decide, one liar or one odd answer does not.</summary>
[TestFixture]
public sealed class ReachabilityTrackerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Multiaddress Public = Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001");
    private static readonly AutoNatDialResponse Reached = new(AutoNatStatus.Ok, "", Public);
    private static readonly AutoNatDialResponse Failed = new(AutoNatStatus.DialError, "dial back failed", null);
    private readonly List<PrivateKey> _keys = [];

    [TearDown]
    public void DisposeKeys() => _keys.ForEach(k => k.Dispose());

    private PeerId NewServer()
    {
        var key = PrivateKey.Generate(KeyType.Ed25519);
        _keys.Add(key);
        return key.PeerId;
    }

    [Test]
    public void ThreeServersThatReachUs_MakeUsPublic_WithTheAddressTheyReached()
    {
        var tracker = new ReachabilityTracker(new AutoNatClientOptions());
        var changes = new List<Reachability>();
        tracker.StatusChanged += changes.Add;

        tracker.Record(NewServer(), Reached, Now);
        var afterTwo = tracker.Record(NewServer(), Reached, Now);
        var afterThree = tracker.Record(NewServer(), Reached, Now);

        Assert.That(afterTwo, Is.EqualTo(Reachability.Unknown));
        Assert.That(afterThree, Is.EqualTo(Reachability.Public));
        Assert.That(changes, Is.EqualTo(new[] { Reachability.Public }));
        Assert.That(tracker.Confidence(Now), Is.EqualTo(3));
        Assert.That(tracker.ConfirmedAddresses(Now), Is.EqualTo(new[] { Public }));
    }

    [Test]
    public void OneServerRepeatingItself_CountsOnce()
    {
        var tracker = new ReachabilityTracker(new AutoNatClientOptions());
        var liar = NewServer();

        for (var i = 0; i < 10; i++)
            tracker.Record(liar, Failed, Now.AddSeconds(i));

        Assert.That(tracker.Status, Is.EqualTo(Reachability.Unknown));
    }

    [Test]
    public void RefusalsAndErrors_AreNotEvidence()
    {
        var tracker = new ReachabilityTracker(new AutoNatClientOptions { Confirmations = 1 });

        tracker.Record(NewServer(), new AutoNatDialResponse(AutoNatStatus.DialRefused, "rate limited", null), Now);
        tracker.Record(NewServer(), new AutoNatDialResponse(AutoNatStatus.InternalError, "", null), Now);
        tracker.Record(NewServer(), new AutoNatDialResponse(AutoNatStatus.BadRequest, "", null), Now);

        Assert.That(tracker.Status, Is.EqualTo(Reachability.Unknown));
    }

    [Test]
    public void OneDissentingAnswer_DoesNotFlipAKnownStatus_ButAMajorityDoes()
    {
        var tracker = new ReachabilityTracker(new AutoNatClientOptions());
        var servers = Enumerable.Range(0, 6).Select(_ => NewServer()).ToList();
        foreach (var server in servers.Take(3))
            tracker.Record(server, Failed, Now);

        var afterOne = tracker.Record(servers[3], Reached, Now);
        tracker.Record(servers[4], Reached, Now);
        var afterThree = tracker.Record(servers[5], Reached, Now); // 3 reached against 3 failed: not a majority
        var afterFlip = tracker.Record(servers[0], Reached, Now.AddMinutes(1)); // one failed server now reaches us

        Assert.That(afterOne, Is.EqualTo(Reachability.Private));
        Assert.That(afterThree, Is.EqualTo(Reachability.Private));
        Assert.That(afterFlip, Is.EqualTo(Reachability.Public));
    }

    [Test]
    public void Answers_Expire_AndTheStatusReturnsToUnknown()
    {
        var options = new AutoNatClientOptions();
        var tracker = new ReachabilityTracker(options);
        for (var i = 0; i < 3; i++)
            tracker.Record(NewServer(), Failed, Now);

        var before = tracker.Expire(Now + options.ResultLifetime - TimeSpan.FromSeconds(1));
        var after = tracker.Expire(Now + options.ResultLifetime);

        Assert.That(before, Is.EqualTo(Reachability.Private));
        Assert.That(after, Is.EqualTo(Reachability.Unknown));
    }

    [Test]
    public void Rounds_PickFreshServers_AndWaitLongerOnceTheStatusIsKnown()
    {
        var options = new AutoNatClientOptions { ServersPerRound = 2 };
        var tracker = new ReachabilityTracker(options);
        var servers = Enumerable.Range(0, 3).Select(_ => NewServer()).ToList();

        var first = tracker.StartRound(servers, Now);
        var dueSoon = tracker.ProbeDue(Now + options.RetryInterval);
        var second = tracker.StartRound(servers, Now + options.RetryInterval);
        foreach (var server in servers)
            tracker.Record(server, Reached, Now + options.RetryInterval);
        var third = tracker.StartRound(servers, Now + options.ServerCooldown + options.RetryInterval);

        Assert.That(first, Is.EqualTo(servers.Take(2)));
        Assert.That(dueSoon, Is.True);
        Assert.That(second, Is.EqualTo(new[] { servers[2] }), "servers asked within the cooldown wait");
        Assert.That(third, Has.Count.EqualTo(2));
        Assert.That(tracker.ProbeDue(Now + options.ServerCooldown + options.RetryInterval + options.RetryInterval), Is.False,
            "a known status is refreshed at the refresh interval");
    }

    [Test]
    public void NewAddresses_MakeAProbeDueAtOnce()
    {
        var tracker = new ReachabilityTracker(new AutoNatClientOptions());
        tracker.StartRound([NewServer()], Now);

        Assert.That(tracker.ProbeDue(Now), Is.False);
        tracker.AddressesChanged();
        Assert.That(tracker.ProbeDue(Now), Is.True);
    }
}
