using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Inference.Tensors;
using Google.Protobuf;

namespace Cerebrum.Tests.Gateway;

/// <summary>Node identities and verified heartbeats for routing tests, built the way a node builds them.</summary>
internal static class Heartbeats
{
    public static PeerId NewNode()
    {
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        return key.PeerId;
    }

    /// <summary>A heartbeat of <paramref name="node"/> announcing each (name, hash) as a model with one float input 'a' and output 'c'.</summary>
    public static NodeStatusEntry Entry(PeerId node, ulong price = 0, params (string Name, string Hash)[] models)
    {
        var status = new NodeStatus
        {
            NodePeerId = ByteString.CopyFrom(node.Bytes.Span),
            TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Sequence = 1,
            PricePerRequest = price,
        };
        foreach (var (name, hash) in models)
        {
            var advert = new ModelAdvert { Name = name, Hash = hash, FreeSlots = 1 };
            advert.Inputs.Add(new TensorSpec { Name = "a", Dtype = (int)TensorDataType.Float32, Shape = { -1, 3 } });
            advert.Outputs.Add(new TensorSpec { Name = "c", Dtype = (int)TensorDataType.Float32, Shape = { -1, 3 } });
            status.Models.Add(advert);
        }
        return new NodeStatusEntry(new VerifiedNodeStatus(node, status), DateTimeOffset.UtcNow);
    }
}
