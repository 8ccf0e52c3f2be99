using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.PubSub;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Status;

/// <summary>Signing and checking <c>cerebrum/1/status</c> payloads: each kind of bad payload gets its gossip verdict.</summary>
[TestFixture]
public sealed class NodeStatusValidatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HardwareInfo Hardware = new("Linux", "X64", "Test CPU", 8, 16L << 30, [new GpuInfo("Test GPU", 24L << 30, "550.1")], null);
    private readonly NodeStatusValidator _validator = new();
    private PrivateKey _key = null!;

    [SetUp]
    public void CreateKey() => _key = PrivateKey.Generate(KeyType.Secp256k1);

    [TearDown]
    public void DisposeKey() => _key.Dispose();

    [Test]
    public void ASignedStatus_IsAccepted_WithItsContentAndTheSignersPeerId()
    {
        var payload = NodeStatusSigning.Sign(_key, Status(_key, Now, sequence: 7));

        var verdict = _validator.Validate(payload, Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        Assert.That(verdict.Status!.Node, Is.EqualTo(_key.PeerId));
        Assert.That(verdict.Status.Timestamp, Is.EqualTo(Now));
        var status = verdict.Status.Status;
        Assert.That(status.Sequence, Is.EqualTo(7UL));
        Assert.That(status.Models.Select(m => (m.Hash, m.Name, m.FreeSlots, m.QueueDepth)), Is.EqualTo(new[] { ("sha256:ab", "add", 3u, 2u) }));
        Assert.That((status.FreeSlots, status.QueueDepth, status.PricePerRequest), Is.EqualTo((3u, 2u, 250UL)));
        Assert.That((status.Hardware.CpuModel, status.Hardware.LogicalCores, status.Hardware.MemoryBytes), Is.EqualTo(("Test CPU", 8u, 16UL << 30)));
        Assert.That(status.Hardware.Gpus.Single().Name, Is.EqualTo("Test GPU"));
    }

    [Test]
    public void TheSignature_CoversTheDomainPrefixAndTheStatusBytes()
    {
        var signed = SignedNodeStatus.Parser.ParseFrom(NodeStatusSigning.Sign(_key, Status(_key, Now)));

        Assert.That(_key.PublicKey.Verify([.. "cerebrum-node-status:"u8, .. signed.Status.Span], signed.Signature.Span), Is.True);
        Assert.That(_key.PublicKey.Verify(signed.Status.Span, signed.Signature.Span), Is.False, "no signature without the domain");
        Assert.That(signed.PublicKey.ToByteArray(), Is.EqualTo(_key.PublicKey.ToProtobuf()));
    }

    [Test]
    public void AnEd25519Node_IsAcceptedToo()
    {
        using var ed = PrivateKey.Generate(KeyType.Ed25519);

        var verdict = _validator.Validate(NodeStatusSigning.Sign(ed, Status(ed, Now)), Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        Assert.That(verdict.Status!.Node, Is.EqualTo(ed.PeerId));
    }

    [Test]
    public void ATamperedStatus_IsRejectedForItsSignature()
    {
        var signed = SignedNodeStatus.Parser.ParseFrom(NodeStatusSigning.Sign(_key, Status(_key, Now)));
        var status = NodeStatus.Parser.ParseFrom(signed.Status);
        status.PricePerRequest = 1;
        signed.Status = status.ToByteString();

        var verdict = _validator.Validate(signed.ToByteArray(), Now);

        Assert.That((verdict.Result, verdict.Reason), Is.EqualTo((ValidationResult.Reject, "bad signature")));
    }

    [Test]
    public void AStatusSignedByAnotherKeyThanTheOneItCarries_IsRejected()
    {
        using var other = PrivateKey.Generate(KeyType.Secp256k1);
        var signed = SignedNodeStatus.Parser.ParseFrom(NodeStatusSigning.Sign(other, Status(_key, Now)));
        signed.PublicKey = ByteString.CopyFrom(_key.PublicKey.ToProtobuf());

        var verdict = _validator.Validate(signed.ToByteArray(), Now);

        Assert.That((verdict.Result, verdict.Reason), Is.EqualTo((ValidationResult.Reject, "bad signature")));
    }

    [Test]
    public void AStatusNamingAnotherNodeThanItsSigner_IsRejected()
    {
        using var other = PrivateKey.Generate(KeyType.Secp256k1);

        var verdict = _validator.Validate(NodeStatusSigning.Sign(_key, Status(other, Now)), Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(verdict.Reason, Does.Contain("another node"));
    }

    [Test]
    public void GarbageAMalformedKeyOrMissingFields_AreRejected()
    {
        var signed = SignedNodeStatus.Parser.ParseFrom(NodeStatusSigning.Sign(_key, Status(_key, Now)));
        var badKey = signed.Clone();
        badKey.PublicKey = ByteString.CopyFrom(0x08, 0x02, 0x12, 0x03, 1, 2, 3);
        var noSignature = signed.Clone();
        noSignature.Signature = ByteString.Empty;

        Assert.That(_validator.Validate([0xff, 0xff, 0xff], Now).Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(_validator.Validate(badKey.ToByteArray(), Now).Reason, Does.StartWith("bad public key"));
        Assert.That(_validator.Validate(badKey.ToByteArray(), Now).Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(_validator.Validate(noSignature.ToByteArray(), Now).Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(_validator.Validate([], Now).Result, Is.EqualTo(ValidationResult.Reject));
    }

    [Test]
    public void SignedBytesThatAreNotANodeStatus_AreRejected()
    {
        byte[] garbage = [0xff, 0xff, 0xff];
        var signed = new SignedNodeStatus
        {
            Status = ByteString.CopyFrom(garbage),
            PublicKey = ByteString.CopyFrom(_key.PublicKey.ToProtobuf()),
            Signature = ByteString.CopyFrom(_key.Sign(NodeStatusSigning.SigningBytes(garbage))),
        };

        var verdict = _validator.Validate(signed.ToByteArray(), Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(verdict.Reason, Does.StartWith("signed bytes are not a NodeStatus"));
    }

    [Test]
    public void AnOversizedPayloadOrTooManyModels_IsRejected()
    {
        var validator = new NodeStatusValidator(new NodeStatusLimits { MaxBytes = 4096, MaxModels = 2 });
        var big = Status(_key, Now);
        big.Hardware.CpuModel = new string('x', 5000);
        var many = Status(_key, Now);
        many.Models.Add(new ModelAdvert { Hash = "sha256:cd", Name = "b" });
        many.Models.Add(new ModelAdvert { Hash = "sha256:ef", Name = "c" });

        var oversized = validator.Validate(NodeStatusSigning.Sign(_key, big), Now);
        var tooMany = validator.Validate(NodeStatusSigning.Sign(_key, many), Now);

        Assert.That(oversized.Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(oversized.Reason, Does.Contain("exceeds the limit of 4096"));
        Assert.That(tooMany.Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(tooMany.Reason, Does.Contain("3 models"));
    }

    [TestCase(29, ValidationResult.Accept)]
    [TestCase(31, ValidationResult.Ignore)]
    [TestCase(-59, ValidationResult.Accept)]
    [TestCase(-61, ValidationResult.Ignore)]
    public void TheTimestamp_MustBeWithinTheClockWindow_ElseTheStatusIsIgnored(int offsetSeconds, ValidationResult expected)
    {
        var payload = NodeStatusSigning.Sign(_key, Status(_key, Now.AddSeconds(offsetSeconds)));

        Assert.That(_validator.Validate(payload, Now).Result, Is.EqualTo(expected));
    }

    [Test]
    public void AnExtremeTimestamp_IsIgnored_NotAnError()
    {
        var status = Status(_key, Now);
        status.TimestampUnixMs = long.MaxValue;
        var past = Status(_key, Now);
        past.TimestampUnixMs = long.MinValue;

        Assert.That(_validator.Validate(NodeStatusSigning.Sign(_key, status), Now).Result, Is.EqualTo(ValidationResult.Ignore));
        Assert.That(_validator.Validate(NodeStatusSigning.Sign(_key, past), Now).Result, Is.EqualTo(ValidationResult.Ignore));
    }

    [Test]
    public void TheFactory_TotalsFreeSlotsAndQueueDepthOverTheModels()
    {
        var status = NodeStatusFactory.Create(_key.PeerId, Now, 1,
            [(Model("sha256:01", "a"), Stats(queue: 1, running: 2, max: 4)), (Model("sha256:02", "b"), Stats(queue: 5, running: 1, max: 1))],
            42, Hardware);

        Assert.That(status.Models.Select(m => (m.FreeSlots, m.QueueDepth)), Is.EqualTo(new[] { (2u, 1u), (0u, 5u) }));
        Assert.That((status.FreeSlots, status.QueueDepth, status.PricePerRequest), Is.EqualTo((2u, 6u, 42UL)));
        Assert.That(status.NodePeerId.ToByteArray(), Is.EqualTo(_key.PeerId.Bytes.ToArray()));
    }

    [Test]
    public void TheFactory_SignsTheDialAddresses_WithoutP2p_AndTheValidatorDecodesThem()
    {
        var status = NodeStatusFactory.Create(_key.PeerId, Now, 1, [], 0, Hardware,
            [Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001").WithPeerId(_key.PeerId), Multiaddress.Parse("/ip6/2001:db8::1/tcp/4001")]);

        var verdict = _validator.Validate(NodeStatusSigning.Sign(_key, status), Now);

        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        Assert.That(verdict.Status!.Addresses.Select(a => a.ToString()), Is.EqualTo(new[] { "/ip4/203.0.113.7/tcp/4001", "/ip6/2001:db8::1/tcp/4001" }));
    }

    [Test]
    public void AddressesThatAreNotMultiaddrs_OrNameAPeer_OrTooMany_AreRejected()
    {
        var garbage = Status(_key, Now);
        garbage.Addresses.Add(ByteString.CopyFrom(0xff, 0xff, 0xff));
        var withPeer = Status(_key, Now);
        withPeer.Addresses.Add(ByteString.CopyFrom(Multiaddress.Parse("/ip4/10.0.0.1/tcp/1").WithPeerId(_key.PeerId).ToBytes()));
        var tooMany = Status(_key, Now);
        for (var port = 1; port <= 17; port++)
            tooMany.Addresses.Add(ByteString.CopyFrom(Multiaddress.Parse($"/ip4/10.0.0.1/tcp/{port}").ToBytes()));

        var verdicts = new[] { garbage, withPeer, tooMany }.Select(s => _validator.Validate(NodeStatusSigning.Sign(_key, s), Now)).ToList();

        Assert.That(verdicts.Select(v => v.Result), Has.All.EqualTo(ValidationResult.Reject));
        Assert.That(verdicts[0].Reason, Does.StartWith("address 0 is not a multiaddr"));
        Assert.That(verdicts[1].Reason, Does.Contain("has a /p2p part"));
        Assert.That(verdicts[2].Reason, Is.EqualTo("17 addresses exceeds the limit of 16"));
    }

    private static NodeStatus Status(PrivateKey node, DateTimeOffset timestamp, ulong sequence = 1)
    {
        var status = new NodeStatus
        {
            NodePeerId = ByteString.CopyFrom(node.PeerId.Bytes.Span),
            TimestampUnixMs = timestamp.ToUnixTimeMilliseconds(),
            Sequence = sequence,
            FreeSlots = 3,
            QueueDepth = 2,
            PricePerRequest = 250,
            Hardware = NodeStatusFactory.Summarize(Hardware),
        };
        status.Models.Add(new ModelAdvert { Hash = "sha256:ab", Name = "add", FreeSlots = 3, QueueDepth = 2 });
        return status;
    }

    private static ModelInfo Model(string hash, string name) => new(hash, name, 0, 0, 0, [], [], "", null, Now);

    private static ModelStatistics Stats(int queue, int running, int max) => new(0, 0, 0, 0, 0, 0, queue, running, max);
}
