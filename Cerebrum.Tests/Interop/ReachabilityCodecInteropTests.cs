using Cerebrum.Core.Network.Multiaddr;
using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.AutoNat;
using Cerebrum.Core.Network.Protocols.Dcutr;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Interop;

/// <summary>
/// The reachability protocols' wire formats against js-libp2p's own codecs (scripts/interop/codecs.mjs, the 2.x-line
/// modules @libp2p/autonat, circuit-relay-v2, dcutr and kad-dht): what we encode, js decodes to the same fields, and
/// what js encodes (a voucher sealed by a js relay key included), we decode. Socket-level interop of the running
/// protocols comes with their host services.
/// </summary>
[TestFixture]
public sealed class ReachabilityCodecInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task EveryMessage_ReadsTheSameInJsAndInCerebrum()
    {
        using var relayKey = PrivateKey.Generate(KeyType.Ed25519);
        using var asker = PrivateKey.Generate(KeyType.Secp256k1);
        var relayAddress = Multiaddress.Parse($"/ip4/8.8.8.8/tcp/4001/p2p/{relayKey.PeerId}");
        var expires = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);
        var voucher = new ReservationVoucher(relayKey.PeerId, asker.PeerId, expires).Sign(relayKey);
        var limit = new RelayLimit(TimeSpan.FromMinutes(2), 131072);
        var model = ModelProviderKey.For("sha256:" + new string('d', 64));
        var input = new Dictionary<string, string>
        {
            ["autonatRequest"] = Hex(AutoNatMessages.EncodeDialRequest(asker.PeerId, [Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001")])),
            ["autonatResponse"] = Hex(AutoNatMessages.EncodeDialResponse(AutoNatStatus.Ok, "", Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001"))),
            ["hopReserve"] = Hex(RelayMessages.EncodeReserve()),
            ["hopConnect"] = Hex(RelayMessages.EncodeConnect(asker.PeerId)),
            ["hopStatus"] = Hex(RelayMessages.EncodeHopStatus(RelayStatus.Ok, limit, new HopReservation(expires, [relayAddress], voucher))),
            ["voucher"] = Hex(voucher),
            ["stopConnect"] = Hex(RelayMessages.EncodeStopConnect(asker.PeerId, limit)),
            ["holePunchConnect"] = Hex(HolePunchMessages.EncodeConnect([Multiaddress.Parse("/ip4/9.9.9.9/tcp/4002")])),
            ["holePunchSync"] = Hex(HolePunchMessages.EncodeSync()),
            ["dhtFindNode"] = Hex(KademliaMessages.Encode(KademliaMessage.Request(KademliaMessageType.FindNode, asker.PeerId.Bytes))),
            ["dhtProviders"] = Hex(KademliaMessages.Encode(new KademliaMessage(KademliaMessageType.GetProviders, model, null,
                [new KademliaPeer(relayKey.PeerId, [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001")])], [new KademliaPeer(asker.PeerId, [Multiaddress.Parse("/ip4/9.9.9.9/tcp/4002")])]))),
            ["dhtProvidersKey"] = Hex(model),
        };

        await using var js = NodeScriptProcess.Start("codecs.mjs", []);
        await js.SendLineAsync(JsonSerializer.Serialize(input));
        js.CloseInput();
        var result = await js.WaitForAsync("codecs", Timeout);
        var read = result.GetProperty("read");

        // What js read from us.
        Assert.That(read.GetProperty("autonatRequest").GetProperty("type").GetString(), Is.EqualTo("DIAL"), "DIAL = 0 is on the wire");
        Assert.That(read.GetProperty("autonatRequest").GetProperty("peer").GetString(), Is.EqualTo(asker.PeerId.ToString()));
        Assert.That(Strings(read.GetProperty("autonatRequest").GetProperty("addrs")), Is.EqualTo(new[] { "/ip4/8.8.4.4/tcp/4001" }));
        Assert.That(read.GetProperty("autonatResponse").GetProperty("status").GetString(), Is.EqualTo("OK"), "OK = 0 is on the wire");
        Assert.That(read.GetProperty("autonatResponse").GetProperty("addr").GetString(), Is.EqualTo("/ip4/8.8.4.4/tcp/4001"));
        Assert.That(read.GetProperty("hopReserve").GetProperty("type").GetString(), Is.EqualTo("RESERVE"));
        Assert.That(read.GetProperty("hopConnect").GetProperty("peer").GetString(), Is.EqualTo(asker.PeerId.ToString()));
        var status = read.GetProperty("hopStatus");
        Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("OK"));
        Assert.That(status.GetProperty("expire").GetString(), Is.EqualTo("1900000000"));
        Assert.That(Strings(status.GetProperty("addrs")), Is.EqualTo(new[] { relayAddress.ToString() }));
        Assert.That(status.GetProperty("voucherSigner").GetString(), Is.EqualTo(relayKey.PeerId.ToString()), "js verified our voucher's signature");
        Assert.That(status.GetProperty("voucherPayloadType").GetString(), Is.EqualTo("0302"));
        Assert.That(status.GetProperty("limit").GetProperty("duration").GetInt32(), Is.EqualTo(120));
        Assert.That(status.GetProperty("limit").GetProperty("data").GetString(), Is.EqualTo("131072"));
        Assert.That(read.GetProperty("stopConnect").GetProperty("type").GetString(), Is.EqualTo("CONNECT"));
        Assert.That(read.GetProperty("stopConnect").GetProperty("peer").GetString(), Is.EqualTo(asker.PeerId.ToString()));
        Assert.That(read.GetProperty("holePunchConnect").GetProperty("type").GetString(), Is.EqualTo("CONNECT"));
        Assert.That(Strings(read.GetProperty("holePunchConnect").GetProperty("addrs")), Is.EqualTo(new[] { "/ip4/9.9.9.9/tcp/4002" }));
        Assert.That(read.GetProperty("holePunchSync").GetProperty("type").GetString(), Is.EqualTo("SYNC"));
        Assert.That(read.GetProperty("dhtFindNode").GetProperty("type").GetString(), Is.EqualTo("FIND_NODE"));
        Assert.That(read.GetProperty("dhtFindNode").GetProperty("key").GetString(), Is.EqualTo(Hex(asker.PeerId.Bytes.ToArray())));
        var providers = read.GetProperty("dhtProviders");
        Assert.That(providers.GetProperty("type").GetString(), Is.EqualTo("GET_PROVIDERS"));
        Assert.That(providers.GetProperty("closer")[0].GetProperty("id").GetString(), Is.EqualTo(relayKey.PeerId.ToString()));
        Assert.That(providers.GetProperty("providers")[0].GetProperty("id").GetString(), Is.EqualTo(asker.PeerId.ToString()));
        Assert.That(Strings(providers.GetProperty("providers")[0].GetProperty("addrs")), Is.EqualTo(new[] { "/ip4/9.9.9.9/tcp/4002" }));

        // What we read from js.
        var written = result.GetProperty("written");
        var jsRelay = PeerId.Parse(written.GetProperty("relay").GetString()!);
        var jsTarget = PeerId.Parse(written.GetProperty("target").GetString()!);
        var dial = AutoNatMessages.ParseDialRequest(Bytes(written, "autonatRequest"));
        Assert.That(dial.Peer, Is.EqualTo(jsTarget));
        Assert.That(dial.Addresses, Is.EqualTo(new[] { Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001") }));
        Assert.That(AutoNatMessages.ParseDialResponse(Bytes(written, "autonatResponse")).Status, Is.EqualTo(AutoNatStatus.Ok));
        Assert.That(RelayMessages.ParseHopRequest(Bytes(written, "hopReserve")).IsReservation, Is.True);
        var jsReservation = RelayReservation.FromResponse(RelayMessages.ParseHopResponse(Bytes(written, "hopStatus")), jsRelay, jsTarget, DateTimeOffset.UtcNow);
        Assert.That(jsReservation.Voucher.Relay, Is.EqualTo(jsRelay), "we verified js's voucher");
        Assert.That(jsReservation.Expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(written.GetProperty("expire").GetString()));
        Assert.That(jsReservation.Limit, Is.EqualTo(new RelayLimit(TimeSpan.FromMinutes(2), 131072)));
        Assert.That(jsReservation.CircuitAddresses.Single().ToString(), Is.EqualTo($"/ip4/8.8.8.8/tcp/4001/p2p/{jsRelay}/p2p-circuit"));
        var stop = RelayMessages.ParseStopRequest(Bytes(written, "stopConnect"));
        Assert.That(stop.Source, Is.EqualTo(jsRelay));
        Assert.That(stop.Limit.Duration, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(HolePunchMessages.ParseConnect(Bytes(written, "holePunchConnect"), allowNonPublic: false), Is.EqualTo(new[] { Multiaddress.Parse("/ip4/9.9.9.9/tcp/4002") }));
        var jsProviders = KademliaMessages.Decode(Bytes(written, "dhtProviders"), 128 * 1024, 16 * 1024);
        Assert.That(jsProviders.Type, Is.EqualTo(KademliaMessageType.GetProviders));
        Assert.That(jsProviders.Key.ToArray(), Is.EqualTo(model));
        Assert.That(jsProviders.CloserPeers.Single().Id, Is.EqualTo(jsRelay));
        Assert.That(jsProviders.ProviderPeers.Single().Id, Is.EqualTo(jsTarget));
        Assert.That(jsProviders.ProviderPeers.Single().Addresses, Is.EqualTo(new[] { Multiaddress.Parse("/ip4/9.9.9.9/tcp/4002") }));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Bytes(JsonElement written, string name) => Convert.FromHexString(written.GetProperty(name).GetString()!);

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
