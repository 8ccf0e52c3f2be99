using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.AutoNat;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.AutoNat;

/// <summary>AutoNAT over an in-memory stream: the asker gets the server's verdict on the dial-back the server made.</summary>
[TestFixture]
public sealed class AutoNatProtocolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly Multiaddress Observed = Multiaddress.Parse("/ip4/8.8.4.4/tcp/50000");

    [TestCase(true, AutoNatStatus.Ok)]
    [TestCase(false, AutoNatStatus.DialError)]
    public async Task TheAsker_LearnsWhetherTheDialBackConnected(bool reachable, AutoNatStatus expected)
    {
        using var asker = PrivateKey.Generate(KeyType.Ed25519);
        var server = new AutoNatServer(new AutoNatServerOptions());
        var dialled = new List<Multiaddress>();
        var link = new StreamLink();

        var serving = AutoNatProtocol.ServeAsync(link.B.Stream, server, asker.PeerId, Observed, false,
            (target, _) => { lock (dialled) dialled.Add(target); return Task.FromResult(reachable); }, TimeProvider.System, CancellationToken.None);
        var answer = await AutoNatProtocol.AskAsync(link.A.Stream, asker.PeerId, [Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001"), Multiaddress.Parse("/ip4/1.1.1.1/tcp/4001")], CancellationToken.None).WaitAsync(Timeout);
        await serving.WaitAsync(Timeout);

        Assert.That(answer.Status, Is.EqualTo(expected));
        Assert.That(dialled, Is.EqualTo(new[] { Multiaddress.Parse($"/ip4/8.8.4.4/tcp/4001/p2p/{asker.PeerId}") }), "only the observed IP");
        Assert.That(answer.Address, reachable ? Is.EqualTo(Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001")) : Is.Null);
        Assert.That(server.InFlight, Is.Zero);
    }

    [Test]
    public async Task ADialBackThatHangs_IsCutAtTheTimeout_AndAnsweredAsAFailure()
    {
        using var asker = PrivateKey.Generate(KeyType.Ed25519);
        var server = new AutoNatServer(new AutoNatServerOptions { DialBackTimeout = TimeSpan.FromMilliseconds(200) });
        var link = new StreamLink();

        var serving = AutoNatProtocol.ServeAsync(link.B.Stream, server, asker.PeerId, Observed, false,
            async (_, ct) => { await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct); return true; }, TimeProvider.System, CancellationToken.None);
        var answer = await AutoNatProtocol.AskAsync(link.A.Stream, asker.PeerId, [Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001")], CancellationToken.None).WaitAsync(Timeout);
        await serving.WaitAsync(Timeout);

        Assert.That(answer.Status, Is.EqualTo(AutoNatStatus.DialError));
        Assert.That(server.InFlight, Is.Zero);
    }
}
