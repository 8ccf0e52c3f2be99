using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.AutoNat;

namespace Cerebrum.Tests.Network.Protocols.AutoNat;

/// <summary>The AutoNAT server dials back only the asker's observed IP, within its rate and concurrency limits.</summary>
[TestFixture]
public sealed class AutoNatServerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PrivateKey Asker = PrivateKey.Generate(KeyType.Ed25519);
    private static readonly PrivateKey Other = PrivateKey.Generate(KeyType.Ed25519);
    private static readonly Multiaddress Observed = Multiaddress.Parse("/ip4/8.8.4.4/tcp/51234");

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Asker.Dispose();
        Other.Dispose();
    }

    private static byte[] Request(PeerId peer, params string[] addresses) =>
        AutoNatMessages.EncodeDialRequest(peer, addresses.Select(Multiaddress.Parse));

    [Test]
    public void ItDialsTheAsker_OnlyAtItsObservedIp_WithItsPeerId()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());

        var admission = server.Admit(Asker.PeerId, Observed, relayed: false,
            Request(Asker.PeerId, "/ip4/8.8.4.4/tcp/4001", "/ip4/1.1.1.1/tcp/4001", "/ip4/192.168.1.5/tcp/4002", "/dns4/example.com/tcp/4001"), Now);

        Assert.That(admission.Response, Is.Null);
        Assert.That(admission.DialTargets.Select(a => a.ToString()), Is.EqualTo(new[]
        {
            $"/ip4/8.8.4.4/tcp/4001/p2p/{Asker.PeerId}",
            // Its private listen address becomes the same port on the IP it was seen at: still the asker's IP.
            $"/ip4/8.8.4.4/tcp/4002/p2p/{Asker.PeerId}",
        }));
        Assert.That(server.InFlight, Is.EqualTo(1));
    }

    [Test]
    public void ARequestAimedAtAThirdParty_IsRefused_WithoutDialling()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());

        var admission = server.Admit(Asker.PeerId, Observed, relayed: false, Request(Asker.PeerId, "/ip4/1.1.1.1/tcp/80", "/ip6/2606:4700::1111/tcp/443"), Now);

        Assert.That(admission.Status, Is.EqualTo(AutoNatStatus.DialRefused));
        Assert.That(admission.DialTargets, Is.Empty);
        Assert.That(AutoNatMessages.ParseDialResponse(admission.Response).Status, Is.EqualTo(AutoNatStatus.DialRefused));
        Assert.That(server.InFlight, Is.Zero);
    }

    [Test]
    public void ARequestForAnotherPeer_IsABadRequest()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());

        var admission = server.Admit(Asker.PeerId, Observed, relayed: false, Request(Other.PeerId, "/ip4/8.8.4.4/tcp/4001"), Now);

        Assert.That(admission.Status, Is.EqualTo(AutoNatStatus.BadRequest));
        Assert.That(admission.DialTargets, Is.Empty);
    }

    [Test]
    public void AnAddressNamingAnotherPeer_IsNotDialled()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());

        var admission = server.Admit(Asker.PeerId, Observed, relayed: false, Request(Asker.PeerId, $"/ip4/8.8.4.4/tcp/4001/p2p/{Other.PeerId}"), Now);

        Assert.That(admission.Status, Is.EqualTo(AutoNatStatus.DialRefused));
    }

    [Test]
    public void ARelayedConnection_GetsNoDialBack()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());

        var admission = server.Admit(Asker.PeerId, Observed, relayed: true, Request(Asker.PeerId, "/ip4/8.8.4.4/tcp/4001"), Now);

        Assert.That(admission.Status, Is.EqualTo(AutoNatStatus.DialRefused));
    }

    [Test]
    public void AnAskerSeenAtAPrivateIp_IsRefused_UnlessThatIsAllowed()
    {
        var lan = Multiaddress.Parse("/ip4/192.168.1.9/tcp/40000");
        var request = Request(Asker.PeerId, "/ip4/192.168.1.9/tcp/4001");

        var strict = new AutoNatServer(new AutoNatServerOptions()).Admit(Asker.PeerId, lan, false, request, Now);
        var open = new AutoNatServer(new AutoNatServerOptions { AllowNonPublicAddresses = true }).Admit(Asker.PeerId, lan, false, request, Now);

        Assert.That(strict.Status, Is.EqualTo(AutoNatStatus.DialRefused));
        Assert.That(open.DialTargets.Select(a => a.ToString()), Is.EqualTo(new[] { $"/ip4/192.168.1.9/tcp/4001/p2p/{Asker.PeerId}" }));
    }

    [Test]
    public void Malformed_Requests_AreBadRequests()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());

        Assert.That(server.Admit(Asker.PeerId, Observed, false, [0xFF, 0xFF], Now).Status, Is.EqualTo(AutoNatStatus.BadRequest));
        Assert.That(server.Admit(Asker.PeerId, Observed, false, new byte[AutoNatMessages.MaxMessageSize + 1], Now).Status, Is.EqualTo(AutoNatStatus.BadRequest));
        var response = AutoNatMessages.EncodeDialResponse(AutoNatStatus.Ok, "");
        Assert.That(server.Admit(Asker.PeerId, Observed, false, response, Now).Status, Is.EqualTo(AutoNatStatus.BadRequest));
    }

    [Test]
    public void APeer_IsLimitedPerWindow_AndServedAgainInTheNextWindow()
    {
        var options = new AutoNatServerOptions { MaxRequestsPerPeerPerWindow = 2 };
        var server = new AutoNatServer(options);
        var request = Request(Asker.PeerId, "/ip4/8.8.4.4/tcp/4001");

        var answers = Enumerable.Range(0, 3).Select(_ => server.Admit(Asker.PeerId, Observed, false, request, Now)).ToList();
        foreach (var admitted in answers.Where(a => a.Response is null))
            server.Complete(admitted, null);
        var later = server.Admit(Asker.PeerId, Observed, false, request, Now + options.RateWindow);

        Assert.That(answers.Select(a => a.Status), Is.EqualTo(new[] { AutoNatStatus.Ok, AutoNatStatus.Ok, AutoNatStatus.DialRefused }));
        Assert.That(answers[2].Reason, Does.Contain("rate limited"));
        Assert.That(later.Status, Is.EqualTo(AutoNatStatus.Ok));
    }

    [Test]
    public void ManyPeerIdsFromOneIp_AreLimitedByTheIp()
    {
        var server = new AutoNatServer(new AutoNatServerOptions { MaxRequestsPerIpPerWindow = 3, MaxConcurrentDialBacks = 100 });
        var statuses = new List<AutoNatStatus>();
        for (var i = 0; i < 10; i++)
        {
            using var sybil = PrivateKey.Generate(KeyType.Ed25519);
            statuses.Add(server.Admit(sybil.PeerId, Observed, false, Request(sybil.PeerId, "/ip4/8.8.4.4/tcp/4001"), Now).Status);
        }

        Assert.That(statuses.Count(s => s == AutoNatStatus.Ok), Is.EqualTo(3));
    }

    [Test]
    public void DialBacksInFlight_AreCapped_AndReleasedOnce()
    {
        var server = new AutoNatServer(new AutoNatServerOptions { MaxConcurrentDialBacks = 1 });
        var request = Request(Asker.PeerId, "/ip4/8.8.4.4/tcp/4001");
        using var second = PrivateKey.Generate(KeyType.Ed25519);

        var first = server.Admit(Asker.PeerId, Observed, false, request, Now);
        var refused = server.Admit(second.PeerId, Multiaddress.Parse("/ip4/9.9.9.9/tcp/1"), false, Request(second.PeerId, "/ip4/9.9.9.9/tcp/4001"), Now);
        var answer = AutoNatMessages.ParseDialResponse(server.Complete(first, first.DialTargets[0]));
        server.Complete(first, null); // a second completion must not free a second slot
        var admitted = server.Admit(second.PeerId, Multiaddress.Parse("/ip4/9.9.9.9/tcp/1"), false, Request(second.PeerId, "/ip4/9.9.9.9/tcp/4001"), Now);

        Assert.That(refused.Status, Is.EqualTo(AutoNatStatus.DialRefused));
        Assert.That(answer.Status, Is.EqualTo(AutoNatStatus.Ok));
        Assert.That(answer.Address, Is.EqualTo(Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001")));
        Assert.That(admitted.Status, Is.EqualTo(AutoNatStatus.Ok));
        Assert.That(server.InFlight, Is.EqualTo(1));
    }

    [Test]
    public void AFailedDialBack_IsADialError()
    {
        var server = new AutoNatServer(new AutoNatServerOptions());
        var admission = server.Admit(Asker.PeerId, Observed, false, Request(Asker.PeerId, "/ip4/8.8.4.4/tcp/4001"), Now);

        var answer = AutoNatMessages.ParseDialResponse(server.Complete(admission, null));

        Assert.That(answer.Status, Is.EqualTo(AutoNatStatus.DialError));
        Assert.That(answer.Address, Is.Null);
        Assert.That(() => server.Complete(admission, Multiaddress.Parse("/ip4/1.1.1.1/tcp/1")), Throws.ArgumentException);
    }
}
