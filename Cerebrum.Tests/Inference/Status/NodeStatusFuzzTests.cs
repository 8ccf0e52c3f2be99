using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Status;

/// <summary>
/// Node status gossip: <see cref="NodeStatusValidator.Validate"/> turns any payload into a verdict with a reason and
/// never throws, including for hostile status bytes that carry a valid signature (a node lying about itself).
/// </summary>
public class NodeStatusFuzzTests
{
    private static readonly PrivateKey Node = Fuzz.Key("node-status-fuzz-node", KeyType.Ed25519);
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [OneTimeTearDown]
    public void DisposeKey() => Node.Dispose();

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Validate_GivesAVerdictForEveryPayload(int seed)
    {
        var status = new NodeStatus
        {
            NodePeerId = ByteString.CopyFrom(Node.PeerId.Bytes.Span),
            TimestampUnixMs = Now.ToUnixTimeMilliseconds(),
            Sequence = 4,
            Models = { new ModelAdvert { Hash = "sha256:00", Name = "m", FreeSlots = 1, QueueDepth = 2 } },
            Hardware = new HardwareSummary { CpuModel = "cpu", LogicalCores = 8, Gpus = { new GpuSummary() } },
            Addresses = { ByteString.CopyFrom(Cerebrum.Core.Network.Multiaddr.Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001").ToBytes()) },
            TextEncodings = { new ModelTextEncoding { ModelHash = "sha256:00", Tokenizer = "bert-uncased", VocabularyHash = "sha256:" + new string('0', 64), MaxTokens = 256, Pooling = "mean", Normalize = true } },
        };
        var statusBytes = status.ToByteArray();
        byte[][] validSigned = [NodeStatusSigning.Sign(Node, status)];
        var validator = new NodeStatusValidator();
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(500); i++)
        {
            // Half the time the status itself is hostile but properly signed, so the checks past the signature run too.
            var input = i % 2 == 0 ? mutator.Next(validSigned, 120) : SignRaw(mutator.Mutate(statusBytes));
            NodeStatusVerdict? verdict = null;
            Fuzz.CheckBounded("NodeStatusValidator.Validate", seed, input, () => verdict = validator.Validate(input, Now));
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            Assert.That(verdict!.Reason, Is.Not.Empty, context);
            Assert.That(verdict.Status is not null, Is.EqualTo(verdict.Result == ValidationResult.Accept), context);
        }
    }

    private static byte[] SignRaw(byte[] status) => new SignedNodeStatus
    {
        Status = ByteString.CopyFrom(status),
        PublicKey = ByteString.CopyFrom(Node.PublicKey.ToProtobuf()),
        Signature = ByteString.CopyFrom(Node.Sign(NodeStatusSigning.SigningBytes(status))),
    }.ToByteArray();
}
