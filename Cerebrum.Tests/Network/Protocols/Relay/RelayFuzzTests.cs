using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Core.Network.Records;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Relay;

/// <summary>
/// Hop requests come from any peer, hop answers from relays we pick, stop requests from relays, vouchers from relays:
/// each decoder returns a checked message or a <see cref="FormatException"/>; the relay and the client answer every
/// input with a status and never hold state for one that was refused.
/// </summary>
public sealed class RelayFuzzTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PrivateKey RelayKey = Fuzz.Key("relay", KeyType.Ed25519);
    private static readonly PrivateKey PeerKey = Fuzz.Key("relay peer", KeyType.Ed25519);

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        RelayKey.Dispose();
        PeerKey.Dispose();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void HopRequests_GetAStatusOrACircuit(int seed)
    {
        byte[][] valid = [RelayMessages.EncodeReserve(), RelayMessages.EncodeConnect(PeerKey.PeerId)];
        var mutator = new ByteMutator(new Random(seed));
        var relay = new RelayServer(RelayKey, new RelayServerOptions { MaxReserveRequestsPerPeerPerWindow = int.MaxValue, MaxRequestsPerIpPerWindow = int.MaxValue },
            () => [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001")]);
        relay.Admit(PeerKey.PeerId, Multiaddress.Parse("/ip4/1.2.3.4/tcp/1"), false, RelayMessages.EncodeReserve(), Now);
        using var source = Fuzz.Key("relay source", KeyType.Ed25519);
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 200);
            Fuzz.CheckBounded("RelayMessages.ParseHopRequest", seed, input, () => RelayMessages.ParseHopRequest(input), typeof(FormatException));
            RelayHopDecision? decision = null;
            Fuzz.Check("RelayServer.Admit", seed, input, () => decision = relay.Admit(source.PeerId, Multiaddress.Parse("/ip4/5.6.7.8/tcp/1"), false, input, Now));
            Assert.That(decision!.Response is not null ^ decision.Circuit is not null, Is.True, $"seed {seed}: one of an answer or a circuit");
            decision.Circuit?.Close();
        }
        Assert.That(relay.CircuitCount, Is.Zero);
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void HopResponses_AreCheckedOrRefused(int seed)
    {
        var expires = Now.AddHours(1);
        var voucher = new ReservationVoucher(RelayKey.PeerId, PeerKey.PeerId, expires).Sign(RelayKey);
        byte[][] valid =
        [
            RelayMessages.EncodeHopStatus(RelayStatus.Ok, new RelayLimit(TimeSpan.FromMinutes(2), 1 << 17),
                new HopReservation(expires, [Multiaddress.Parse($"/ip4/8.8.8.8/tcp/4001/p2p/{RelayKey.PeerId}")], voucher)),
            RelayMessages.EncodeHopStatus(RelayStatus.NoReservation),
        ];
        var mutator = new ByteMutator(new Random(seed));
        var client = new RelayClient(PeerKey.PeerId);
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 300);
            Fuzz.CheckBounded("RelayMessages.ParseHopResponse", seed, input, () => RelayMessages.ParseHopResponse(input), typeof(FormatException));
            RelayReservation? accepted = null;
            if (Fuzz.Check("RelayClient.Accept", seed, input, () => accepted = client.Accept(RelayKey.PeerId, input, Now), typeof(FormatException), typeof(RelayRefusedException)))
            {
                Assert.That(accepted!.Voucher.Relay, Is.EqualTo(RelayKey.PeerId));
                Assert.That(accepted.Voucher.Peer, Is.EqualTo(PeerKey.PeerId));
                Assert.That(accepted.RelayAddresses.All(a => a.PeerId == RelayKey.PeerId), Is.True);
            }
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void StopMessagesAndVouchers_AreCheckedOrAFormatException(int seed)
    {
        var voucher = new ReservationVoucher(RelayKey.PeerId, PeerKey.PeerId, Now).Sign(RelayKey);
        var voucherPayload = SignedEnvelope.Open(voucher, ReservationVoucher.Domain).Payload.ToArray();
        byte[][] stops = [RelayMessages.EncodeStopConnect(PeerKey.PeerId, new RelayLimit(TimeSpan.FromSeconds(120), 4096)), RelayMessages.EncodeStopStatus(RelayStatus.Ok)];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var stop = mutator.Next(stops, 200);
            Fuzz.CheckBounded("RelayMessages.ParseStopRequest", seed, stop, () => RelayMessages.ParseStopRequest(stop), typeof(FormatException));
            Fuzz.CheckBounded("RelayMessages.ParseStopResponse", seed, stop, () => RelayMessages.ParseStopResponse(stop), typeof(FormatException));
            // Half the vouchers are hostile payloads properly signed, so the checks past the signature run too.
            var envelope = i % 2 == 0 ? mutator.Next([voucher], 200) : SignedEnvelope.Seal(RelayKey, ReservationVoucher.Domain, ReservationVoucher.PayloadType, mutator.Mutate(voucherPayload));
            ReservationVoucher? opened = null;
            if (Fuzz.CheckBounded("ReservationVoucher.Open", seed, envelope, () => opened = ReservationVoucher.Open(envelope), typeof(FormatException)))
                Assert.That(opened!.Relay, Is.EqualTo(RelayKey.PeerId), "a voucher opens only as its signer's");
        }
    }
}
