using System.Runtime.CompilerServices;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Validating;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain.Validating;

/// <summary>The last-signed guard in front of a validator's consensus transport: no step is ever signed twice differently, also across restarts.</summary>
[TestFixture]
public sealed class ChainConsensusApplicationSigningGuardTests
{
    private const string ChainId = "cerebrum-test";
    private string _directory = null!;
    private PrivateKey _self = null!;
    private PrivateKey _other = null!;

    private string GuardPath => Path.Combine(_directory, "consensus-last-signed.json");

    [SetUp]
    public void SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("cerebrum-guard-").FullName;
        _self = PrivateKey.Generate(KeyType.Secp256k1);
        _other = PrivateKey.Generate(KeyType.Secp256k1);
    }

    [TearDown]
    public void TearDown()
    {
        _self.Dispose();
        _other.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void RepeatsPass_ConflictingOrOlderStepsAreWithheld_OthersMessagesAlwaysPass()
    {
        var guard = LastSignedGuard.Open(GuardPath, _self.PeerId);
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Prevote, 5, 0, Id(1))), Is.True);
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Prevote, 5, 0, Id(1))), Is.True, "a rebroadcast of the same vote");
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Prevote, 5, 0, Id(2))), Is.False, "a second value for one step");
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Prevote, 5, 0, [])), Is.False, "nil is a different value too");
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Precommit, 5, 0, Id(1))), Is.True);
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Prevote, 5, 0, Id(1))), Is.True, "an earlier step signed by this process may be re-sent");
        Assert.That(guard.TryAllow(Vote(_self, VoteType.Prevote, 4, 3, Id(9))), Is.False, "an older step never signed here");
        Assert.That(guard.TryAllow(Vote(_other, VoteType.Prevote, 5, 0, Id(7))), Is.True);
        Assert.That(guard.Last, Is.EqualTo(new SignedStep(5, 0, 2, Id(1))));
    }

    [Test]
    public void AfterARestart_NothingAtOrBelowTheLastSignedStepIsSigned_AndLaterStepsAre()
    {
        var before = LastSignedGuard.Open(GuardPath, _self.PeerId);
        Assert.That(before.TryAllow(Vote(_self, VoteType.Precommit, 7, 1, Id(1))), Is.True);

        var after = LastSignedGuard.Open(GuardPath, _self.PeerId);
        Assert.That(after.Last, Is.EqualTo(new SignedStep(7, 1, 2, Id(1))));
        Assert.That(after.TryAllow(Vote(_self, VoteType.Prevote, 7, 0, Id(2))), Is.False);
        Assert.That(after.TryAllow(Vote(_self, VoteType.Precommit, 7, 1, [])), Is.False);
        Assert.That(after.TryAllow(Vote(_self, VoteType.Prevote, 7, 2, Id(3))), Is.True);
        Assert.That(after.TryAllow(Vote(_self, VoteType.Prevote, 8, 0, Id(4))), Is.True);
    }

    [Test]
    public void ACorruptRecord_RefusesToStart()
    {
        File.WriteAllText(GuardPath, "{not json");
        var error = Assert.Throws<InvalidDataException>(() => LastSignedGuard.Open(GuardPath, _self.PeerId));
        Assert.That(error!.Message, Does.Contain("corrupt"));
    }

    [Test]
    public async Task TheGuardedTransport_WithholdsAConflictingVote_AndSendsTheRest()
    {
        var inner = new RecordingTransport();
        var transport = new GuardedConsensusTransport(inner, LastSignedGuard.Open(GuardPath, _self.PeerId), 1 << 20);
        await transport.BroadcastAsync(ConsensusMessageCodec.Encode(Vote(_self, VoteType.Prevote, 1, 0, Id(1))), CancellationToken.None);
        await transport.BroadcastAsync(ConsensusMessageCodec.Encode(Vote(_self, VoteType.Prevote, 1, 0, Id(2))), CancellationToken.None);
        await transport.BroadcastAsync(ConsensusMessageCodec.Encode(Vote(_self, VoteType.Precommit, 1, 0, Id(1))), CancellationToken.None);
        Assert.That(inner.Sent, Has.Count.EqualTo(2));
        Assert.That(transport.Withheld, Is.EqualTo(1));
        Assert.That(File.Exists(GuardPath), Is.True, "persisted before sending");
    }

    private static SignedVote Vote(PrivateKey key, VoteType type, long height, int round, byte[] valueId) =>
        SignedVote.Sign(key, ChainId, type, height, round, valueId);

    private static byte[] Id(byte b) => Enumerable.Repeat(b, 32).ToArray();

    private sealed class RecordingTransport : IConsensusTransport
    {
        public List<byte[]> Sent { get; } = [];

        public ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            Sent.Add(message.ToArray());
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
    }
}
