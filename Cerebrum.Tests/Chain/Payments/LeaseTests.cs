using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Payments;

/// <summary>Leases on a chain: Bob is a registered node, Alice and Carol are tenants.</summary>
[TestFixture]
public sealed class LeaseTests
{
    private const ulong Fee = 10;
    private const ulong NodeStake = 6_000;
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private ChainFixture _chain = null!;

    [SetUp]
    public void SetUp()
    {
        _chain = new ChainFixture();
        Apply(Txs.RegisterNode(_chain.Bob, 0, NodeStake, []));
    }

    [TearDown]
    public void TearDown() => _chain.Dispose();

    private ulong Balance(PrivateKey key) => _chain.Node.GetAccount(key.PeerId).Balance;

    private DateTimeOffset LastTime => _chain.Node.Status.LastTime;

    private FinalizedBlock Apply(DateTimeOffset? time, params byte[][] txs)
    {
        foreach (var tx in txs) _chain.Submit(tx);
        var block = _chain.CommitNext(time);
        Assert.That(block.Block.Txs, Has.Count.EqualTo(txs.Length), "every submitted transaction is in the block");
        return block;
    }

    private FinalizedBlock Apply(params byte[][] txs) => Apply(null, txs);

    private LeaseTerms Terms(PrivateKey tenant, uint hours = 3, ulong price = 1_000, ulong? sequence = null, DateTimeOffset? expires = null) =>
        LeaseTermsSigning.Terms(tenant.PeerId, _chain.Bob.PeerId, hours, price, sequence ?? _chain.Node.GetNode(_chain.Bob.PeerId)!.LeaseSequence,
            (expires ?? LastTime + TimeSpan.FromMinutes(10)).ToUnixTimeMilliseconds());

    private byte[] CreateLease(PrivateKey tenant, LeaseTerms terms, PrivateKey? signer = null, string chainId = ChainFixture.ChainId) =>
        Txs.CreateLease(tenant, _chain.Node.GetNextNonce(tenant.PeerId), terms, LeaseTermsSigning.Sign(signer ?? _chain.Bob, chainId, terms));

    /// <summary>Alice leases Bob for 3 hours at 1,000 per hour; returns the lease id and the lease's start.</summary>
    private (byte[] Id, DateTimeOffset Start) Lease(uint hours = 3, ulong price = 1_000)
    {
        var terms = Terms(_chain.Alice, hours, price);
        var block = Apply(CreateLease(_chain.Alice, terms));
        return (PaymentIds.Lease(_chain.Bob.PeerId, terms.Sequence), DateTimeOffset.FromUnixTimeMilliseconds(block.Block.Header.TimeUnixMs));
    }

    [Test]
    public void CreateLease_locks_the_prepayment_from_block_time_and_marks_the_node_leased()
    {
        var aliceBefore = Balance(_chain.Alice);
        var (id, start) = Lease(3, 1_000);
        var lease = _chain.Node.GetLease(id)!;
        var node = _chain.Node.GetNode(_chain.Bob.PeerId)!;
        Assert.Multiple(() =>
        {
            Assert.That(lease.Prepaid, Is.EqualTo(3_000));
            Assert.That(lease.StartUnixMs, Is.EqualTo(start.ToUnixTimeMilliseconds()));
            Assert.That(lease.EndUnixMs, Is.EqualTo((start + 3 * Hour).ToUnixTimeMilliseconds()));
            Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore - 3_000 - Fee));
            Assert.That(node.LeaseId.ToByteArray(), Is.EqualTo(id));
            Assert.That(node.LeaseSequence, Is.EqualTo(1));
            Assert.That(_chain.Node.Supply.Leases, Is.EqualTo(3_000));
            Assert.That(_chain.Node.ListLeases(_chain.Alice.PeerId).Single().Key, Is.EqualTo(PaymentIds.ToHex(id)));
        });
    }

    [Test]
    public void A_leased_node_cannot_be_leased_again_until_its_lease_ends()
    {
        Lease(1);
        _chain.Refused(CreateLease(_chain.Carol, Terms(_chain.Carol)), ChainErrorCode.NodeAlreadyLeased);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice)), ChainErrorCode.NodeAlreadyLeased);
    }

    [Test]
    public void A_lease_that_ended_unclosed_is_paid_to_its_node_when_the_next_one_starts()
    {
        var (first, start) = Lease(1, 1_000);
        _chain.CommitNext(start + Hour);
        var bobBefore = Balance(_chain.Bob);
        var terms = Terms(_chain.Carol, 2, 500);
        Apply(CreateLease(_chain.Carol, terms));
        Assert.Multiple(() =>
        {
            Assert.That(Balance(_chain.Bob), Is.EqualTo(bobBefore + 980), "1,000 less the 2 % take");
            Assert.That(_chain.Node.GetLease(first), Is.Null);
            Assert.That(_chain.Node.GetNode(_chain.Bob.PeerId)!.LeaseId.ToByteArray(), Is.EqualTo(PaymentIds.Lease(_chain.Bob.PeerId, 1)));
        });
    }

    [Test]
    public void A_countersignature_makes_one_lease_only()
    {
        var terms = Terms(_chain.Alice, 1);
        var signature = LeaseTermsSigning.Sign(_chain.Bob, ChainFixture.ChainId, terms);
        var block = Apply(Txs.CreateLease(_chain.Alice, 0, terms, signature));
        Apply(Txs.CloseLease(_chain.Alice, 1, PaymentIds.Lease(_chain.Bob.PeerId, 0)));
        _chain.Refused(Txs.CreateLease(_chain.Alice, 2, terms, signature), ChainErrorCode.WrongLeaseSequence);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, sequence: 5)), ChainErrorCode.WrongLeaseSequence);
        Assert.That(block.Block.Header.Height, Is.GreaterThan(0));
    }

    [Test]
    public void Forged_or_expired_countersignatures_are_refused()
    {
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice), signer: _chain.Carol), ChainErrorCode.BadLeaseSignature);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice), signer: _chain.Alice), ChainErrorCode.BadLeaseSignature);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice), chainId: "another-chain"), ChainErrorCode.BadLeaseSignature);
        var terms = Terms(_chain.Alice, price: 1_000);
        var signature = LeaseTermsSigning.Sign(_chain.Bob, ChainFixture.ChainId, terms);
        var cheaper = terms.Clone();
        cheaper.PricePerHour = 1;
        _chain.Refused(Txs.CreateLease(_chain.Alice, 0, cheaper, signature), ChainErrorCode.BadLeaseSignature);
        _chain.Refused(Txs.CreateLease(_chain.Alice, 0, terms, []), ChainErrorCode.BadLeaseSignature);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, expires: LastTime)), ChainErrorCode.LeaseOfferExpired);
    }

    [Test]
    public void CreateLease_checks_tenant_node_hours_price_and_balance()
    {
        _chain.Refused(CreateLease(_chain.Carol, Terms(_chain.Alice)), ChainErrorCode.InvalidField);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, hours: 0)), ChainErrorCode.LeaseHoursOutOfRange);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, hours: 721)), ChainErrorCode.LeaseHoursOutOfRange);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, price: 0)), ChainErrorCode.InvalidAmount);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, hours: 720, price: ulong.MaxValue / 100)), ChainErrorCode.Overflow);
        _chain.Refused(CreateLease(_chain.Alice, Terms(_chain.Alice, hours: 2, price: ChainFixture.UserBalance)), ChainErrorCode.InsufficientBalance);
        var unregistered = LeaseTermsSigning.Terms(_chain.Alice.PeerId, _chain.Carol.PeerId, 1, 10, 0, (LastTime + Hour).ToUnixTimeMilliseconds());
        _chain.Refused(Txs.CreateLease(_chain.Alice, 0, unregistered, LeaseTermsSigning.Sign(_chain.Carol, ChainFixture.ChainId, unregistered)), ChainErrorCode.NodeNotRegistered);
        var self = LeaseTermsSigning.Terms(_chain.Bob.PeerId, _chain.Bob.PeerId, 1, 10, 0, (LastTime + Hour).ToUnixTimeMilliseconds());
        _chain.Refused(Txs.CreateLease(_chain.Bob, 1, self, LeaseTermsSigning.Sign(_chain.Bob, ChainFixture.ChainId, self)), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.Sign(_chain.Alice, 0, t => t.CreateLease = new CreateLease()), ChainErrorCode.InvalidField);
    }

    [Test]
    public void The_tenant_closing_early_pays_the_node_what_accrued_and_gets_the_rest_back_to_the_micro_CER()
    {
        // 7 micro-CER per hour for 2 hours; closed 1 h 0 min 1.5 s in: floor(7 * 3,601,500 / 3,600,000) = 7 accrued.
        var (id, start) = Lease(2, 7);
        var aliceBefore = Balance(_chain.Alice);
        var bobBefore = Balance(_chain.Bob);
        Apply(start + Hour + TimeSpan.FromMilliseconds(1_500), Txs.CloseLease(_chain.Alice, 1, id));
        Assert.Multiple(() =>
        {
            Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore + 7 - Fee), "14 prepaid, 7 accrued, 7 back");
            Assert.That(Balance(_chain.Bob), Is.EqualTo(bobBefore + 7), "the take of 7 rounds down to 0");
            Assert.That(_chain.Node.GetLease(id), Is.Null);
            Assert.That(_chain.Node.GetNode(_chain.Bob.PeerId)!.LeaseId.IsEmpty, Is.True, "the node is free again");
            Assert.That(_chain.Node.Supply.Leases, Is.Zero);
        });
    }

    [Test]
    public void Closing_halfway_splits_the_prepayment_exactly()
    {
        var (id, start) = Lease(3, 1_000);
        var aliceBefore = Balance(_chain.Alice);
        var bobBefore = Balance(_chain.Bob);
        var proposerBefore = _chain.Node.GetAccount(_chain.Validators[0].PeerId).Balance;
        Apply(start + 1.5 * Hour, Txs.CloseLease(_chain.Alice, 1, id));
        Assert.Multiple(() =>
        {
            Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore + 1_500 - Fee));
            Assert.That(Balance(_chain.Bob), Is.EqualTo(bobBefore + 1_470));
            Assert.That(_chain.Node.GetAccount(_chain.Validators[0].PeerId).Balance - proposerBefore, Is.EqualTo(30 + Fee));
        });
    }

    [Test]
    public void A_running_lease_is_closed_by_its_tenant_only_and_an_ended_one_by_anyone()
    {
        var (id, start) = Lease(1, 1_000);
        _chain.Refused(Txs.CloseLease(_chain.Bob, 1, id), ChainErrorCode.LeaseNotEnded);
        _chain.Refused(Txs.CloseLease(_chain.Carol, 0, id), ChainErrorCode.NotLeaseParty);
        _chain.Refused(Txs.CloseLease(_chain.Carol, 0, new byte[32]), ChainErrorCode.UnknownLease);
        _chain.Refused(Txs.CloseLease(_chain.Carol, 0, new byte[3]), ChainErrorCode.InvalidField);
        _chain.CommitNext(start + Hour);
        var aliceBefore = Balance(_chain.Alice);
        var bobBefore = Balance(_chain.Bob);
        Apply(Txs.CloseLease(_chain.Bob, 1, id));
        Assert.Multiple(() =>
        {
            Assert.That(Balance(_chain.Bob), Is.EqualTo(bobBefore + 980 - Fee), "the whole prepayment less the take");
            Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore), "nothing left to refund");
        });
    }

    [Test]
    public void A_tenant_whose_node_vanished_closes_and_gets_the_unused_time_back()
    {
        var (id, start) = Lease(10, 3_600);
        var aliceBefore = Balance(_chain.Alice);
        Apply(start + TimeSpan.FromSeconds(1), Txs.CloseLease(_chain.Alice, 1, id));
        Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore + 36_000 - 1 - Fee), "one second at 3,600 per hour accrued");
    }
}
