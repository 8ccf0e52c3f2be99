using Cerebrum.Core.Network.Multiaddr;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Relay;

/// <summary>Circuit relay v2 over in-memory streams: reservation, a circuit carrying bytes both ways, and the limits enforced by the bridge.</summary>
[TestFixture]
public sealed class RelayProtocolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly Multiaddress From = Multiaddress.Parse("/ip4/1.2.3.4/tcp/5000");
    private readonly List<PrivateKey> _keys = [];

    [TearDown]
    public void DisposeKeys()
    {
        _keys.ForEach(k => k.Dispose());
        _keys.Clear();
    }

    private PrivateKey NewKey()
    {
        var key = PrivateKey.Generate(KeyType.Ed25519);
        _keys.Add(key);
        return key;
    }

    private sealed record Setup(RelayServer Relay, PrivateKey RelayKey, PrivateKey Target, RelayClient TargetClient, PrivateKey Source);

    private async Task<Setup> ReserveAsync(RelayServerOptions options)
    {
        var relayKey = NewKey();
        var relay = new RelayServer(relayKey, options, () => [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001")]);
        var target = NewKey();
        var client = new RelayClient(target.PeerId);
        var link = new StreamLink();
        var served = RelayProtocol.ServeHopAsync(link.B, relay, target.PeerId, From, false, (_, _) => Task.FromResult<RelayBridgeEnd?>(null), TimeProvider.System, CancellationToken.None);
        var reservation = await RelayProtocol.ReserveAsync(link.A.Stream, client, relayKey.PeerId, TimeProvider.System, CancellationToken.None).WaitAsync(Timeout);
        Assert.That(await served.WaitAsync(Timeout), Is.Null, "a reservation is not a circuit");
        Assert.That(reservation.CircuitAddresses, Has.Count.EqualTo(1));
        return new Setup(relay, relayKey, target, client, NewKey());
    }

    /// <summary>Runs the relay's side of a CONNECT from the source; the target accepts on its stop stream.</summary>
    private static (Task<RelayBridgeOutcome?> Relay, Task<RelayLimit> Source, Task<StopRequest?> Target, StreamLink Hop, StreamLink Stop) Connect(Setup setup)
    {
        var hop = new StreamLink();
        var stop = new StreamLink();
        var relay = RelayProtocol.ServeHopAsync(hop.B, setup.Relay, setup.Source.PeerId, From, false,
            (peer, _) => Task.FromResult<RelayBridgeEnd?>(peer == setup.Target.PeerId ? stop.A : null), TimeProvider.System, CancellationToken.None);
        var target = RelayProtocol.AcceptStopAsync(stop.B.Stream, setup.TargetClient, setup.RelayKey.PeerId, TimeProvider.System, CancellationToken.None);
        var source = RelayProtocol.ConnectAsync(hop.A.Stream, setup.Target.PeerId, CancellationToken.None);
        return (relay, source, target, hop, stop);
    }

    [Test]
    public async Task ACircuit_CarriesBytesBothWays_AndEndsCleanly()
    {
        var setup = await ReserveAsync(new RelayServerOptions());
        var (relay, source, target, hop, stop) = Connect(setup);

        var limit = await source.WaitAsync(Timeout);
        var request = await target.WaitAsync(Timeout);
        await hop.A.Stream.WriteAsync("ping"u8.ToArray());
        await hop.A.Stream.FlushAsync();
        var received = new byte[4];
        await stop.B.Stream.ReadExactlyAsync(received).AsTask().WaitAsync(Timeout);
        await stop.B.Stream.WriteAsync("pong"u8.ToArray());
        await stop.B.Stream.FlushAsync();
        var back = new byte[4];
        await hop.A.Stream.ReadExactlyAsync(back).AsTask().WaitAsync(Timeout);
        await hop.A.CompleteWrites(CancellationToken.None);
        await stop.B.CompleteWrites(CancellationToken.None);

        Assert.That(await relay.WaitAsync(Timeout), Is.EqualTo(RelayBridgeOutcome.Closed));
        Assert.That(limit, Is.EqualTo(setup.Relay.Options.CircuitLimit));
        Assert.That(request!.Source, Is.EqualTo(setup.Source.PeerId));
        Assert.That(Encoding.ASCII.GetString(received), Is.EqualTo("ping"));
        Assert.That(Encoding.ASCII.GetString(back), Is.EqualTo("pong"));
        Assert.That(setup.Relay.CircuitCount, Is.Zero, "the circuit's slot is back");
    }

    [Test]
    public async Task TheDataLimit_CutsTheCircuitAtExactlyTheLimit_AndResetsBothEnds()
    {
        var setup = await ReserveAsync(new RelayServerOptions { CircuitDataBytes = 1000 });
        var (relay, source, target, hop, stop) = Connect(setup);
        await source.WaitAsync(Timeout);
        await target.WaitAsync(Timeout);

        await hop.A.Stream.WriteAsync(new byte[5000]);
        await hop.A.Stream.FlushAsync();
        var outcome = await relay.WaitAsync(Timeout);
        var delivered = 0;
        var resetSeen = false;
        var buffer = new byte[8192];
        try
        {
            while (await stop.B.Stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout) is var n and > 0)
                delivered += n;
        }
        catch (IOException)
        {
            resetSeen = true; // what arrived before the reset is what counts
        }

        Assert.That(outcome, Is.EqualTo(RelayBridgeOutcome.DataLimit));
        Assert.That(delivered, Is.LessThanOrEqualTo(1000));
        Assert.That(resetSeen || delivered == 1000, Is.True, "the target sees the reset, or at most the limit's bytes");
        Assert.That(hop.WasReset && stop.WasReset, Is.True);
        Assert.That(setup.Relay.CircuitCount, Is.Zero);
    }

    [Test]
    public async Task ATargetWithoutAReservation_OrThatRefuses_GivesTheSourceARefusal()
    {
        var setup = await ReserveAsync(new RelayServerOptions());
        var stranger = NewKey();
        var hop = new StreamLink();
        var relay = RelayProtocol.ServeHopAsync(hop.B, setup.Relay, setup.Source.PeerId, From, false, (_, _) => Task.FromResult<RelayBridgeEnd?>(null), TimeProvider.System, CancellationToken.None);
        var refused = RelayProtocol.ConnectAsync(hop.A.Stream, stranger.PeerId, CancellationToken.None);

        Assert.That(async () => await refused.WaitAsync(Timeout), Throws.TypeOf<RelayRefusedException>().With.Property("Status").EqualTo(RelayStatus.NoReservation));
        Assert.That(await relay.WaitAsync(Timeout), Is.Null);

        // The target is reserved but not connected any more: the relay cannot open the stop leg.
        var hop2 = new StreamLink();
        var relay2 = RelayProtocol.ServeHopAsync(hop2.B, setup.Relay, setup.Source.PeerId, From, false, (_, _) => Task.FromResult<RelayBridgeEnd?>(null), TimeProvider.System, CancellationToken.None);
        Assert.That(async () => await RelayProtocol.ConnectAsync(hop2.A.Stream, setup.Target.PeerId, CancellationToken.None).WaitAsync(Timeout),
            Throws.TypeOf<RelayRefusedException>().With.Property("Status").EqualTo(RelayStatus.ConnectionFailed));
        Assert.That(await relay2.WaitAsync(Timeout), Is.Null);
        Assert.That(setup.Relay.CircuitCount, Is.Zero);
    }
}
