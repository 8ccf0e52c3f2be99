using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Dcutr;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Dcutr;

/// <summary>DCUtR over an in-memory stream: each side dials the other's addresses, retrying until a dial connects.</summary>
[TestFixture]
public sealed class HolePunchProtocolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly Multiaddress[] A = [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001")];
    private static readonly Multiaddress[] B = [Multiaddress.Parse("/ip4/9.9.9.9/tcp/4002")];

    [Test]
    public async Task BothSidesDialEachOther_AndTheThirdAttemptSucceeds()
    {
        var options = new HolePunchOptions { DialTimeout = TimeSpan.FromSeconds(2) };
        var link = new StreamLink();
        var aDials = new List<IReadOnlyList<Multiaddress>>();
        var bDials = new List<IReadOnlyList<Multiaddress>>();

        var responder = HolePunchProtocol.RespondAsync(link.B.Stream, new HolePunchResponder(A, options),
            (targets, _) => { lock (aDials) aDials.Add(targets); return Task.FromResult(false); }, options, CancellationToken.None);
        var initiated = await HolePunchProtocol.InitiateAsync(link.A.Stream, new HolePunchInitiator(B, options),
            (targets, _) => { lock (bDials) bDials.Add(targets); return Task.FromResult(bDials.Count == 3); }, options, TimeProvider.System, CancellationToken.None).WaitAsync(Timeout);
        await link.A.CompleteWrites(CancellationToken.None);
        var responded = await responder.WaitAsync(Timeout);

        Assert.That(initiated, Is.True);
        Assert.That(responded, Is.False, "A's own dials all failed; B's third connected");
        Assert.That(bDials, Has.Count.EqualTo(3).And.All.EqualTo(A));
        Assert.That(aDials, Has.Count.EqualTo(3).And.All.EqualTo(B));
    }

    [Test]
    public async Task WhenNoAttemptConnects_ItGivesUpAfterThree()
    {
        var options = new HolePunchOptions();
        var link = new StreamLink();
        var dials = 0;

        var responder = HolePunchProtocol.RespondAsync(link.B.Stream, new HolePunchResponder(A, options), (_, _) => Task.FromResult(false), options, CancellationToken.None);
        var initiated = await HolePunchProtocol.InitiateAsync(link.A.Stream, new HolePunchInitiator(B, options),
            (_, _) => { Interlocked.Increment(ref dials); return Task.FromResult(false); }, options, TimeProvider.System, CancellationToken.None).WaitAsync(Timeout);
        await link.A.CompleteWrites(CancellationToken.None);

        Assert.That(initiated, Is.False);
        Assert.That(await responder.WaitAsync(Timeout), Is.False);
        Assert.That(dials, Is.EqualTo(options.MaxAttempts));
    }
}
