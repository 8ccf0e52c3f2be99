using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Relay;

namespace Cerebrum.Tests.Network.Protocols.Relay;

/// <summary>The hop server: reservations with vouchers and caps, circuits with caps and limits, refusals for bad input.</summary>
[TestFixture]
public sealed class RelayServerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Multiaddress RelayPublic = Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001");
    private readonly List<PrivateKey> _keys = [];
    private PrivateKey _relayKey = null!;

    [SetUp]
    public void CreateRelay() => _relayKey = PrivateKey.Generate(KeyType.Ed25519);

    [TearDown]
    public void DisposeKeys()
    {
        _keys.ForEach(k => k.Dispose());
        _keys.Clear();
        _relayKey.Dispose();
    }

    private PrivateKey NewKey()
    {
        var key = PrivateKey.Generate(KeyType.Ed25519);
        _keys.Add(key);
        return key;
    }

    private RelayServer NewRelay(RelayServerOptions? options = null) =>
        new(_relayKey, options ?? new RelayServerOptions(), () => [RelayPublic, Multiaddress.Parse($"/ip4/9.9.9.9/tcp/1/p2p/{_relayKey.PeerId}/p2p-circuit")]);

    private static Multiaddress From(string ip) => Multiaddress.Parse($"/ip4/{ip}/tcp/50000");

    [Test]
    public void AReservation_IsGrantedWithAVoucherAndTheRelaysAddresses_AndTheClientAcceptsIt()
    {
        var relay = NewRelay();
        var peer = NewKey();
        var client = new RelayClient(peer.PeerId);

        var decision = relay.Admit(peer.PeerId, From("1.2.3.4"), relayed: false, RelayMessages.EncodeReserve(), Now);
        var reservation = client.Accept(_relayKey.PeerId, decision.Response, Now);

        Assert.That(decision.Status, Is.EqualTo(RelayStatus.Ok));
        Assert.That(relay.HasReservation(peer.PeerId, Now), Is.True);
        Assert.That(reservation.Expires, Is.EqualTo(Now + relay.Options.ReservationDuration));
        Assert.That(reservation.Voucher.Peer, Is.EqualTo(peer.PeerId));
        Assert.That(reservation.Limit, Is.EqualTo(relay.Options.CircuitLimit));
        Assert.That(reservation.RelayAddresses, Is.EqualTo(new[] { RelayPublic.WithPeerId(_relayKey.PeerId) }), "relayed addresses are not offered");
        Assert.That(client.CircuitAddresses(Now).Select(a => a.ToString()), Is.EqualTo(new[] { $"/ip4/8.8.8.8/tcp/4001/p2p/{_relayKey.PeerId}/p2p-circuit" }));
        Assert.That(client.MissingRelays(Now), Is.EqualTo(1));
    }

    [Test]
    public void ARefresh_ExtendsTheReservation_WithoutCountingItTwice()
    {
        var relay = NewRelay(new RelayServerOptions { MaxReservations = 1 });
        var peer = NewKey();

        relay.Admit(peer.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now);
        var refresh = relay.Admit(peer.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now.AddMinutes(30));
        var response = RelayMessages.ParseHopResponse(refresh.Response);

        Assert.That(refresh.Status, Is.EqualTo(RelayStatus.Ok));
        Assert.That(response.Reservation!.Expires, Is.EqualTo(Now.AddMinutes(30) + relay.Options.ReservationDuration));
        Assert.That(relay.ReservationCount, Is.EqualTo(1));
    }

    [Test]
    public void ReservationFloods_AreRefused_ByTotalPerIpAndPerPeerRate()
    {
        var relay = NewRelay(new RelayServerOptions { MaxReservations = 5, MaxReservationsPerIp = 2, MaxReserveRequestsPerPeerPerWindow = 3 });
        var statuses = new List<RelayStatus>();
        for (var i = 0; i < 4; i++)
            statuses.Add(relay.Admit(NewKey().PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now).Status);
        for (var i = 0; i < 6; i++)
            statuses.Add(relay.Admit(NewKey().PeerId, From($"5.6.7.{i + 1}"), false, RelayMessages.EncodeReserve(), Now).Status);
        var hammering = NewKey();
        var hammered = Enumerable.Range(0, 5).Select(_ => relay.Admit(hammering.PeerId, From("5.6.7.1"), false, RelayMessages.EncodeReserve(), Now).Status).ToList();

        Assert.That(statuses.Take(4), Is.EqualTo(new[] { RelayStatus.Ok, RelayStatus.Ok, RelayStatus.ReservationRefused, RelayStatus.ReservationRefused }), "two per IP");
        Assert.That(statuses.Skip(4), Is.EqualTo(new[] { RelayStatus.Ok, RelayStatus.Ok, RelayStatus.Ok, RelayStatus.ReservationRefused, RelayStatus.ReservationRefused, RelayStatus.ReservationRefused }), "five in total");
        Assert.That(hammered, Has.All.EqualTo(RelayStatus.ReservationRefused), "the relay is full");
        Assert.That(relay.ReservationCount, Is.EqualTo(5));
    }

    [Test]
    public void OnePeer_CannotRefreshFasterThanItsRate()
    {
        var relay = NewRelay(new RelayServerOptions { MaxReserveRequestsPerPeerPerWindow = 2 });
        var peer = NewKey();

        var statuses = Enumerable.Range(0, 3).Select(_ => relay.Admit(peer.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now).Status).ToList();

        Assert.That(statuses, Is.EqualTo(new[] { RelayStatus.Ok, RelayStatus.Ok, RelayStatus.ReservationRefused }));
        Assert.That(relay.Admit(peer.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now + relay.Options.RateWindow).Status, Is.EqualTo(RelayStatus.Ok));
    }

    [Test]
    public void Reservations_EndWithTheConnection_OrTheirExpiry()
    {
        var relay = NewRelay();
        var a = NewKey();
        var b = NewKey();
        relay.Admit(a.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now);
        relay.Admit(b.PeerId, From("1.2.3.5"), false, RelayMessages.EncodeReserve(), Now);

        relay.PeerDisconnected(a.PeerId);
        var expired = relay.ExpireReservations(Now + relay.Options.ReservationDuration);

        Assert.That(relay.HasReservation(a.PeerId, Now), Is.False);
        Assert.That(expired, Is.EqualTo(1));
        Assert.That(relay.ReservationCount, Is.Zero);
        Assert.That(relay.Admit(NewKey().PeerId, From("9.9.9.9"), false, RelayMessages.EncodeConnect(b.PeerId), Now + relay.Options.ReservationDuration).Status,
            Is.EqualTo(RelayStatus.NoReservation));
    }

    [Test]
    public void RequestsOverARelayedConnection_AreRefused()
    {
        var relay = NewRelay();
        var peer = NewKey();

        Assert.That(relay.Admit(peer.PeerId, From("1.2.3.4"), relayed: true, RelayMessages.EncodeReserve(), Now).Status, Is.EqualTo(RelayStatus.PermissionDenied));
        Assert.That(relay.ReservationCount, Is.Zero);
    }

    [Test]
    public void MalformedOrUnexpectedMessages_AreMalformed()
    {
        var relay = NewRelay();
        var peer = NewKey();

        Assert.That(relay.Admit(peer.PeerId, From("1.2.3.4"), false, [0x08, 0x02], Now).Status, Is.EqualTo(RelayStatus.MalformedMessage), "a STATUS sent to the relay");
        Assert.That(relay.Admit(peer.PeerId, From("1.2.3.4"), false, [0x08, 0x01], Now).Status, Is.EqualTo(RelayStatus.MalformedMessage), "a CONNECT without a peer");
        Assert.That(relay.Admit(peer.PeerId, From("1.2.3.4"), false, new byte[RelayMessages.MaxMessageSize + 1], Now).Status, Is.EqualTo(RelayStatus.MalformedMessage));
        Assert.That(relay.Admit(peer.PeerId, From("1.2.3.4"), false, [0xFF], Now).Status, Is.EqualTo(RelayStatus.MalformedMessage));
    }

    [Test]
    public void ACircuit_NeedsTheTargetsReservation_AndCarriesTheLimitToBothEnds()
    {
        var relay = NewRelay();
        var target = NewKey();
        var source = NewKey();
        var noReservation = relay.Admit(source.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeConnect(target.PeerId), Now);
        relay.Admit(target.PeerId, From("5.6.7.8"), false, RelayMessages.EncodeReserve(), Now);
        var targetSide = new RelayClient(target.PeerId);
        targetSide.Accept(_relayKey.PeerId, relay.Admit(target.PeerId, From("5.6.7.8"), false, RelayMessages.EncodeReserve(), Now).Response, Now);

        var admitted = relay.Admit(source.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeConnect(target.PeerId), Now);
        var circuit = admitted.Circuit!;
        var stop = targetSide.HandleStop(_relayKey.PeerId, RelayMessages.EncodeStopConnect(circuit.Source, circuit.Limit), Now);
        var hop = RelayMessages.ParseHopResponse(RelayMessages.ParseStopResponse(stop.Response) == RelayStatus.Ok ? circuit.Established() : circuit.Failed());

        Assert.That(noReservation.Status, Is.EqualTo(RelayStatus.NoReservation));
        Assert.That(admitted.Response, Is.Null);
        Assert.That(circuit.Source, Is.EqualTo(source.PeerId));
        Assert.That(stop.Request!.Source, Is.EqualTo(source.PeerId));
        Assert.That(stop.Request.Limit, Is.EqualTo(relay.Options.CircuitLimit));
        Assert.That(hop.Status, Is.EqualTo(RelayStatus.Ok));
        Assert.That(hop.Limit, Is.EqualTo(relay.Options.CircuitLimit));
        Assert.That(relay.CircuitCount, Is.EqualTo(1));
        circuit.Close();
        circuit.Close();
        Assert.That(relay.CircuitCount, Is.Zero, "closing twice releases once");
    }

    [Test]
    public void Circuits_AreCappedPerPeerAndInTotal()
    {
        var relay = NewRelay(new RelayServerOptions { MaxCircuits = 3, MaxCircuitsPerPeer = 2 });
        var target = NewKey();
        var other = NewKey();
        relay.Admit(target.PeerId, From("5.6.7.8"), false, RelayMessages.EncodeReserve(), Now);
        relay.Admit(other.PeerId, From("5.6.7.9"), false, RelayMessages.EncodeReserve(), Now);
        var source = NewKey();

        var toTarget = Enumerable.Range(0, 3).Select(_ => relay.Admit(NewKey().PeerId, From("1.2.3.4"), false, RelayMessages.EncodeConnect(target.PeerId), Now)).ToList();
        var fromSource = Enumerable.Range(0, 2).Select(_ => relay.Admit(source.PeerId, From("1.2.3.5"), false, RelayMessages.EncodeConnect(other.PeerId), Now)).ToList();

        Assert.That(toTarget.Select(d => d.Status), Is.EqualTo(new[] { RelayStatus.Ok, RelayStatus.Ok, RelayStatus.ResourceLimitExceeded }));
        Assert.That(fromSource.Select(d => d.Status), Is.EqualTo(new[] { RelayStatus.Ok, RelayStatus.ResourceLimitExceeded }), "three circuits in total");
        toTarget[0].Circuit!.Failed();
        Assert.That(relay.Admit(source.PeerId, From("1.2.3.5"), false, RelayMessages.EncodeConnect(other.PeerId), Now).Status, Is.EqualTo(RelayStatus.Ok));
    }

    [Test]
    public void ACircuit_StopsForwardingAtItsDataLimitOrDeadline()
    {
        var relay = NewRelay(new RelayServerOptions { CircuitDataBytes = 1000, CircuitDuration = TimeSpan.FromMinutes(2) });
        var target = NewKey();
        relay.Admit(target.PeerId, From("5.6.7.8"), false, RelayMessages.EncodeReserve(), Now);
        var circuit = relay.Admit(NewKey().PeerId, From("1.2.3.4"), false, RelayMessages.EncodeConnect(target.PeerId), Now).Circuit!;

        Assert.That(circuit.Allow(towardTarget: true, 600, Now), Is.EqualTo(600));
        Assert.That(circuit.Allow(towardTarget: true, 600, Now), Is.EqualTo(400));
        Assert.That(circuit.Allow(towardTarget: true, 1, Now), Is.Zero);
        Assert.That(circuit.Allow(towardTarget: false, 1000, Now), Is.EqualTo(1000), "each direction has its own budget");
        Assert.That(circuit.Forwarded, Is.EqualTo((1000UL, 1000UL)));

        var second = relay.Admit(NewKey().PeerId, From("1.2.3.5"), false, RelayMessages.EncodeConnect(target.PeerId), Now).Circuit!;
        Assert.That(second.Allow(false, 10, Now.AddMinutes(2)), Is.Zero, "past its deadline");
    }

    [Test]
    public void AStopConnect_IsAcceptedOnlyFromARelayWeHoldAReservationWith()
    {
        var relay = NewRelay();
        var peer = NewKey();
        var stranger = NewKey();
        var client = new RelayClient(peer.PeerId);
        client.Accept(_relayKey.PeerId, relay.Admit(peer.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now).Response, Now);
        var connect = RelayMessages.EncodeStopConnect(stranger.PeerId, RelayLimit.None);

        Assert.That(client.HandleStop(_relayKey.PeerId, connect, Now).Status, Is.EqualTo(RelayStatus.Ok));
        Assert.That(client.HandleStop(stranger.PeerId, connect, Now).Status, Is.EqualTo(RelayStatus.PermissionDenied));
        Assert.That(client.HandleStop(_relayKey.PeerId, connect, Now + relay.Options.ReservationDuration).Status, Is.EqualTo(RelayStatus.PermissionDenied), "expired");
        Assert.That(client.HandleStop(_relayKey.PeerId, [0x08, 0x00], Now).Status, Is.EqualTo(RelayStatus.MalformedMessage));
    }

    [Test]
    public void AForgedOrMisdirectedReservation_IsRefusedByTheClient()
    {
        var relay = NewRelay();
        var peer = NewKey();
        var other = NewKey();
        var forger = NewKey();
        var client = new RelayClient(peer.PeerId);
        var expires = Now.AddHours(1);
        byte[] Granted(byte[] voucher) => RelayMessages.EncodeHopStatus(RelayStatus.Ok, null, new HopReservation(expires, [RelayPublic], voucher));

        var forOther = relay.Admit(other.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now).Response!;
        var forged = Granted(new ReservationVoucher(forger.PeerId, peer.PeerId, expires).Sign(forger));
        var wrongTime = Granted(new ReservationVoucher(_relayKey.PeerId, peer.PeerId, expires.AddHours(1)).Sign(_relayKey));
        var refused = RelayMessages.EncodeHopStatus(RelayStatus.ReservationRefused);

        Assert.That(() => client.Accept(_relayKey.PeerId, forOther, Now), Throws.TypeOf<FormatException>().With.Message.Contains("not for us"));
        Assert.That(() => client.Accept(_relayKey.PeerId, forged, Now), Throws.TypeOf<FormatException>().With.Message.Contains("relay"));
        Assert.That(() => client.Accept(_relayKey.PeerId, wrongTime, Now), Throws.TypeOf<FormatException>().With.Message.Contains("expires"));
        Assert.That(() => client.Accept(_relayKey.PeerId, refused, Now), Throws.TypeOf<RelayRefusedException>().With.Property("Status").EqualTo(RelayStatus.ReservationRefused));
        Assert.That(client.Reservations, Is.Empty);
    }

    [Test]
    public void Reservations_AreRefreshedBeforeTheyExpire()
    {
        var relay = NewRelay();
        var peer = NewKey();
        var client = new RelayClient(peer.PeerId, wantedRelays: 1);
        client.Accept(_relayKey.PeerId, relay.Admit(peer.PeerId, From("1.2.3.4"), false, RelayMessages.EncodeReserve(), Now).Response, Now);
        var granted = relay.Options.ReservationDuration;

        Assert.That(client.RefreshDue(Now.AddMinutes(44), granted), Is.Empty);
        Assert.That(client.RefreshDue(Now.AddMinutes(45), granted), Is.EqualTo(new[] { _relayKey.PeerId }));
        Assert.That(client.MissingRelays(Now), Is.Zero);
        Assert.That(client.Expire(Now + granted), Is.EqualTo(1));
        Assert.That(client.MissingRelays(Now + granted), Is.EqualTo(1));
    }

    [Test]
    public void CircuitAddresses_SplitIntoRelayAndTarget()
    {
        var relayId = _relayKey.PeerId;
        var target = NewKey().PeerId;

        Assert.That(CircuitAddress.TryParse(Multiaddress.Parse($"/ip4/8.8.8.8/tcp/4001/p2p/{relayId}/p2p-circuit/p2p/{target}"), out var relayAddress, out var relay, out var to), Is.True);
        Assert.That(relayAddress, Is.EqualTo(RelayPublic.WithPeerId(relayId)));
        Assert.That(relay, Is.EqualTo(relayId));
        Assert.That(to, Is.EqualTo(target));
        Assert.That(CircuitAddress.TryParse(Multiaddress.Parse($"/ip4/8.8.8.8/tcp/4001/p2p/{relayId}/p2p-circuit"), out _, out _, out var none), Is.True);
        Assert.That(none, Is.Null);
        Assert.That(CircuitAddress.TryParse(Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001/p2p-circuit"), out _, out _, out _), Is.False, "no relay ID");
        Assert.That(CircuitAddress.TryParse(Multiaddress.Parse($"/p2p/{relayId}/p2p-circuit/p2p/{target}/p2p-circuit"), out _, out _, out _), Is.False, "chained");
        Assert.That(CircuitAddress.TryParse(RelayPublic, out _, out _, out _), Is.False);
        Assert.That(CircuitAddress.Through(RelayPublic.WithPeerId(relayId)).ToString(), Is.EqualTo($"/ip4/8.8.8.8/tcp/4001/p2p/{relayId}/p2p-circuit"));
    }
}
