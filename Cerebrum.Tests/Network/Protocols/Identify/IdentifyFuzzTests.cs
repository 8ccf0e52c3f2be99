using Cerebrum.Core.Crypto;
using Cerebrum.Core.Multiformats;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Identify.Proto;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Network.Protocols.Identify;

/// <summary>
/// Identify messages from peers: the reader merges length-prefixed messages into one or throws
/// <see cref="InvalidDataException"/> (framing, the 64 KiB total, protobuf); the key and addresses it carries go through
/// decoders whose own fuzz targets cover them.
/// </summary>
public class IdentifyFuzzTests
{
    private static readonly PrivateKey Peer = Fuzz.Key("identify-fuzz-peer", KeyType.Ed25519);

    [OneTimeTearDown]
    public void DisposeKey() => Peer.Dispose();

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task ReadMessage_MergesMessagesOrThrowsInvalidDataException(int seed)
    {
        var message = new IdentifyMessage
        {
            ProtocolVersion = "ipfs/0.1.0",
            AgentVersion = "fuzz",
            PublicKey = ByteString.CopyFrom(Peer.PublicKey.ToProtobuf()),
            ObservedAddr = ByteString.CopyFrom(Multiaddress.Parse("/ip4/192.0.2.1/tcp/4001").ToBytes()),
            ListenAddrs = { ByteString.CopyFrom(Multiaddress.Parse("/ip6/::1/tcp/1").ToBytes()) },
            Protocols = { "/ipfs/id/1.0.0", "/cerebrum/infer/1.0.0" },
        };
        var bytes = message.ToByteArray();
        byte[][] valid = [Frame(bytes), [.. Frame(bytes[..20]), .. Frame(bytes[20..])]];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 120);
            IdentifyMessage? merged = null;
            if (!await Fuzz.CheckAsync("IdentifyService.ReadMessageAsync", seed, input,
                    async () => merged = await IdentifyService.ReadMessageAsync(new ScriptedInputStream(input, 1 + (i % 32)), CancellationToken.None),
                    typeof(InvalidDataException)))
                continue;
            foreach (var address in merged!.ListenAddrs.Append(merged.ObservedAddr))
                Fuzz.Check("Multiaddress.FromBytes (identify)", seed, input, () => Multiaddress.FromBytes(address.Span), typeof(FormatException));
            if (merged.HasPublicKey)
                Fuzz.Check("PublicKey.FromProtobuf (identify)", seed, input, () => PublicKey.FromProtobuf(merged.PublicKey.Span), typeof(FormatException), typeof(NotSupportedException));
        }
    }

    private static byte[] Frame(byte[] message) => [.. Varint.Encode((ulong)message.Length), .. message];
}
