using System.Security.Cryptography;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Nodes;

/// <summary>
/// A <see cref="ChainFixture"/> with funded validators (four, power 10 each), a registered model and one registered
/// node (Carol), and helpers to build the validators' attestations about it, signed as the ledger wants them.
/// </summary>
internal sealed class NodeLedgerFixture : IDisposable
{
    public const ulong NodeStake = 10_000;
    public const ulong ClaimedMflops = 5_000;
    public const string Hardware = "RTX 4090";

    public static readonly ChainParams Parameters = new()
    {
        UnbondingDelay = TimeSpan.FromMinutes(1),
        MinFee = 5,
        StakePerPower = 1_000,
        MinNodeStake = 5_000,
        Verification = new VerificationParams { AttestationWindow = 20, JailTime = TimeSpan.FromMinutes(1), DisputeWindow = 10, EvidenceFee = 100, ReputationSmoothing = 16 },
    };

    public NodeLedgerFixture()
    {
        Chain = new ChainFixture(Parameters, users: 4);
        for (var v = 0; v < Chain.Validators.Count; v++)
            Chain.Submit(Txs.Transfer(Chain.Alice, (ulong)v, Chain.Validators[v].PeerId, 1_000_000));
        Chain.Submit(Txs.RegisterModel(Chain.Alice, 4, Model, "model"));
        Chain.CommitNext();
        RegisterNode(NodeKey);
        GenesisSupply = Supply();
    }

    public ChainFixture Chain { get; }

    public static string Model { get; } = Txs.ModelHash(1);

    public PrivateKey NodeKey => Chain.Carol;

    public PeerId Node => NodeKey.PeerId;

    public ulong GenesisSupply { get; }

    public ulong Height => Chain.Node.Status.Height;

    public NodeState NodeState => Chain.Node.GetNode(Node)!;

    public void RegisterNode(PrivateKey key, string hardware = Hardware, ulong claimed = ClaimedMflops)
    {
        Chain.Submit(Txs.Sign(key, Chain.Node.GetNextNonce(key.PeerId), t => t.RegisterNode = new RegisterNode
        {
            Stake = NodeStake, Hardware = hardware, Region = "eu-west", ModelHashes = { Model }, ClaimedMflops = claimed,
        }));
        Chain.CommitNext();
    }

    /// <summary>Validator <paramref name="v"/>'s attestation of <paramref name="kind"/> about <paramref name="node"/>, with the node's statement unless UNREACHABLE.</summary>
    public Attestation Attestation(int v, CheckKind kind, CheckVerdict verdict, ulong? height = null, PrivateKey? node = null, Action<Attestation>? figures = null)
    {
        node ??= NodeKey;
        var validator = Chain.Validators[v].PeerId;
        var attestation = new Attestation
        {
            Validator = ByteString.CopyFrom(validator.Bytes.Span),
            Node = ByteString.CopyFrom(node.PeerId.Bytes.Span),
            Kind = kind,
            Height = height ?? Height,
            Verdict = verdict,
        };
        figures?.Invoke(attestation);
        if (verdict != CheckVerdict.Unreachable && kind != CheckKind.Receipt)
        {
            attestation.Statement = CheckStatements.Create(validator, node.PeerId, kind, attestation.Height, RandomNumberGenerator.GetBytes(32));
            attestation.NodeSignature = ByteString.CopyFrom(CheckStatements.Sign(node, attestation.Statement));
        }
        return attestation;
    }

    /// <summary>An Attest transaction by validator <paramref name="v"/> carrying <paramref name="attestations"/>, each signed by <paramref name="signer"/> (default: that validator).</summary>
    public byte[] AttestTx(int v, IEnumerable<Attestation> attestations, PrivateKey? signer = null)
    {
        var key = Chain.Validators[v];
        return Txs.Sign(key, Chain.Node.GetNextNonce(key.PeerId), t =>
        {
            t.Attest = new Attest();
            t.Attest.Attestations.AddRange(attestations.Select(a => AttestationSigning.Sign(signer ?? key, a)));
        });
    }

    /// <summary>Validators <paramref name="validators"/> each attest <paramref name="verdict"/> on <paramref name="kind"/>; one block commits them all.</summary>
    public void AttestAndCommit(IEnumerable<int> validators, CheckKind kind, CheckVerdict verdict, Action<Attestation>? figures = null, DateTimeOffset? time = null)
    {
        var height = Height;
        foreach (var v in validators) Chain.Submit(AttestTx(v, [Attestation(v, kind, verdict, height, figures: figures)]));
        Chain.CommitNext(time);
    }

    /// <summary>Like <see cref="AttestAndCommit"/>, with figures per validator.</summary>
    public void AttestAndCommitEach(IEnumerable<int> validators, CheckKind kind, CheckVerdict verdict, Func<int, Action<Attestation>> figures)
    {
        var height = Height;
        foreach (var v in validators) Chain.Submit(AttestTx(v, [Attestation(v, kind, verdict, height, figures: figures(v))]));
        Chain.CommitNext();
    }

    /// <summary>All the money in every account this fixture knows, stakes, node stakes and unbonding included.</summary>
    public ulong Supply()
    {
        ulong total = 0;
        foreach (var key in Chain.Validators.Concat(Chain.Users))
        {
            var account = Chain.Node.GetAccount(key.PeerId);
            total = checked(total + account.Balance + account.Stake + account.Escrow + (Chain.Node.GetUnbonding(key.PeerId)?.Amount ?? 0) + (Chain.Node.GetNode(key.PeerId)?.Stake ?? 0));
        }
        return total;
    }

    public void Dispose() => Chain.Dispose();
}
