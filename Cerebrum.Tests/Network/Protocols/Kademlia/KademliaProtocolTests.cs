using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>The DHT over an in-memory stream: several requests on one stream, ADD_PROVIDER without an answer, a bad request fails the stream.</summary>
[TestFixture]
public sealed class KademliaProtocolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task OneStream_CarriesAnAddProviderThenAGetProviders()
    {
        using var server = PrivateKey.Generate(KeyType.Ed25519);
        using var client = PrivateKey.Generate(KeyType.Ed25519);
        var options = new KademliaOptions();
        var core = new KademliaCore(server.PeerId, options, _ => []);
        var model = ModelProviderKey.For("sha256:" + new string('c', 64));
        var link = new StreamLink();

        var serving = KademliaProtocol.ServeAsync(link.B.Stream, client.PeerId, (from, bytes) => core.Handle(from, bytes, Now), options, CancellationToken.None);
        var none = await KademliaProtocol.RequestAsync(link.A.Stream, core.AddProviderRequest(model, [Multiaddress.Parse("/ip4/8.8.8.8/tcp/1")]) with { ProviderPeers = [new KademliaPeer(client.PeerId, [Multiaddress.Parse("/ip4/8.8.8.8/tcp/1")])] },
            options, CancellationToken.None).WaitAsync(Timeout);
        var answer = await KademliaProtocol.RequestAsync(link.A.Stream, KademliaMessage.Request(KademliaMessageType.GetProviders, model), options, CancellationToken.None).WaitAsync(Timeout);
        await link.A.CompleteWrites(CancellationToken.None);
        await serving.WaitAsync(Timeout);

        Assert.That(none, Is.Null);
        Assert.That(answer!.ProviderPeers.Select(p => p.Id), Is.EqualTo(new[] { client.PeerId }));
    }

    [Test]
    public async Task AnInvalidRequest_FailsTheServedStream()
    {
        using var server = PrivateKey.Generate(KeyType.Ed25519);
        using var client = PrivateKey.Generate(KeyType.Ed25519);
        var options = new KademliaOptions();
        var core = new KademliaCore(server.PeerId, options, _ => []);
        var link = new StreamLink();

        var serving = KademliaProtocol.ServeAsync(link.B.Stream, client.PeerId, (from, bytes) => core.Handle(from, bytes, Now), options, CancellationToken.None);
        await LengthPrefixedMessage.WriteAsync(link.A.Stream, KademliaMessages.Encode(KademliaMessage.Request(KademliaMessageType.GetProviders, new byte[] { 9, 9 })), CancellationToken.None);

        Assert.That(async () => await serving.WaitAsync(Timeout), Throws.TypeOf<InvalidDataException>().With.Message.Contains("multihash"));
    }
}
