using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Dcutr;

namespace Cerebrum.Tests.Network.Protocols.Dcutr;

/// <summary>DCUtR's coordination: both sides dial at the same instant over a relay of any latency, within the attempt limit.</summary>
[TestFixture]
public sealed class HolePunchTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Multiaddress[] A = [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001"), Multiaddress.Parse("/ip4/192.168.1.2/tcp/4001")];
    private static readonly Multiaddress[] B = [Multiaddress.Parse("/ip4/9.9.9.9/tcp/4002"), Multiaddress.Parse("/ip4/9.9.9.9/udp/4002/quic-v1")];

    [TestCase(5)]
    [TestCase(40)]
    [TestCase(333)]
    public void BothSides_DialAtTheSameInstant(int oneWayMilliseconds)
    {
        var oneWay = TimeSpan.FromMilliseconds(oneWayMilliseconds);
        var options = new HolePunchOptions();
        var b = new HolePunchInitiator(B, options);
        var a = new HolePunchResponder(A, options);

        var connect = b.Start(T0);
        var answer = a.OnConnect(connect);                       // at T0 + oneWay
        var plan = b.OnConnect(answer, T0 + 2 * oneWay);
        var aDialsAt = T0 + 3 * oneWay;                          // A dials when the SYNC arrives
        var aTargets = a.OnSync(plan.Sync);

        Assert.That(plan.RoundTrip, Is.EqualTo(2 * oneWay));
        Assert.That(plan.DialAt, Is.EqualTo(aDialsAt));
        Assert.That(plan.Targets, Is.EqualTo(new[] { A[0] }), "B dials A's public TCP address");
        Assert.That(aTargets, Is.EqualTo(new[] { B[0] }), "A dials B's public TCP address, not QUIC");
    }

    [Test]
    public void NonPublicAddresses_AreExchanged_OnlyWhenAllowed()
    {
        var lan = new HolePunchOptions { AllowNonPublicAddresses = true };

        var b = new HolePunchInitiator(B, lan);
        b.Start(T0);
        var plan = b.OnConnect(new HolePunchResponder(A, lan).OnConnect(HolePunchMessages.EncodeConnect(B)), T0);

        Assert.That(plan.Targets, Is.EqualTo(A));
        Assert.That(new HolePunchInitiator([Multiaddress.Parse("/ip4/10.0.0.1/tcp/1")], new HolePunchOptions()).HasNoAddresses, Is.True);
    }

    [Test]
    public void TheInitiator_RetriesUpToTheLimit_MeasuringEachTimeAfresh()
    {
        var b = new HolePunchInitiator(B, new HolePunchOptions { MaxAttempts = 3 });
        var answer = HolePunchMessages.EncodeConnect(A);
        var rtts = new List<TimeSpan>();
        for (var i = 1; i <= 3; i++)
        {
            var start = T0.AddSeconds(i * 10);
            b.Start(start);
            rtts.Add(b.OnConnect(answer, start.AddMilliseconds(100 * i)).RoundTrip);
        }

        Assert.That(rtts, Is.EqualTo(new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300) }));
        Assert.That(b.CanRetry, Is.False);
        Assert.That(() => b.Start(T0.AddMinutes(1)), Throws.InvalidOperationException);
    }

    [Test]
    public void MessagesOutOfOrder_OrOfTheWrongKind_AreRefused()
    {
        var options = new HolePunchOptions { MaxAttempts = 1 };
        var a = new HolePunchResponder(A, options);
        var b = new HolePunchInitiator(B, options);

        Assert.That(() => a.OnSync(HolePunchMessages.EncodeSync()), Throws.InvalidOperationException, "SYNC before CONNECT");
        Assert.That(() => b.OnConnect(HolePunchMessages.EncodeConnect(A), T0), Throws.InvalidOperationException, "an answer nobody asked for");
        Assert.That(() => a.OnConnect(HolePunchMessages.EncodeSync()), Throws.TypeOf<FormatException>());
        a.OnConnect(HolePunchMessages.EncodeConnect(B));
        Assert.That(() => a.OnConnect(HolePunchMessages.EncodeConnect(B)), Throws.InvalidOperationException, "CONNECT twice");
        Assert.That(() => a.OnSync(HolePunchMessages.EncodeConnect(B)), Throws.TypeOf<FormatException>());
        a.OnSync(HolePunchMessages.EncodeSync());
        Assert.That(() => a.OnConnect(HolePunchMessages.EncodeConnect(B)), Throws.InvalidOperationException, "past the attempt limit");
        Assert.That(() => HolePunchMessages.ParseConnect(new byte[HolePunchMessages.MaxMessageSize + 1], false), Throws.TypeOf<FormatException>());
        Assert.That(() => HolePunchMessages.ParseConnect([0x10, 0x05], false), Throws.TypeOf<FormatException>(), "an unknown type");
    }

    [Test]
    public void AnAdvertisedPublicAddress_IsTriedDirectlyFirst()
    {
        var b = new HolePunchInitiator(B, new HolePunchOptions());

        Assert.That(b.UnilateralTargets([Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"), Multiaddress.Parse("/ip4/10.0.0.1/tcp/1")]),
            Has.Count.EqualTo(1));
        Assert.That(b.UnilateralTargets([Multiaddress.Parse("/ip4/10.0.0.1/tcp/1")]), Is.Empty);
    }
}
