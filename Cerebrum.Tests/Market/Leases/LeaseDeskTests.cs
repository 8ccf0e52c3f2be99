using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Tests.Chain;
using Google.Protobuf;

namespace Cerebrum.Tests.Market.Leases;

/// <summary>A registered node (Bob) granting leases over a real ledger; Alice and Carol ask for them.</summary>
[TestFixture]
public sealed class LeaseDeskTests
{
    private MarketChain _market = null!;
    private LeaseDesk _desk = null!;

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _market.Commit(Txs.RegisterNode(_market.Node, 0, 6_000, []));
        _desk = Desk(new LeaseOptions { PricePerHour = 1_000, MinHours = 1, MaxHours = 10 });
    }

    [TearDown]
    public async Task TearDown() => await _market.DisposeAsync();

    private LeaseDesk Desk(LeaseOptions options) =>
        new(_market.Chain.Node, _market.Node, _market.NodeStore, options, new MarketMessageValidator(ChainFixture.ChainId), _market.Time);

    private static LeaseRequest Request(uint hours = 2, ulong max = 1_000, params PeerId[] delegates) =>
        new() { ChainId = ChainFixture.ChainId, Hours = hours, MaxPricePerHour = max, Delegates = { delegates.Select(d => ByteString.CopyFrom(d.Bytes.Span)) } };

    /// <summary>Submits a grant as CreateLease at the fake clock's time and commits it.</summary>
    private void Create(PrivateKey tenant, LeaseGrant grant) =>
        _market.Chain.Submit(Txs.CreateLease(tenant, _market.Chain.Node.GetNextNonce(tenant.PeerId), grant.Terms, grant.NodeSignature.ToByteArray()));

    [Test]
    public void A_grant_is_countersigned_terms_the_ledger_accepts_and_the_lease_then_admits_the_tenant_and_delegates_only()
    {
        var response = _desk.Answer(_market.Payer.PeerId, Request(2, 1_500, _market.Chain.Carol.PeerId));
        Assert.That(response.Grant, Is.Not.Null, response.Error?.Message);
        Assert.That(LeaseDesk.CheckGrant(ChainFixture.ChainId, response.Grant, _market.Payer.PeerId, _market.Node.PeerId, 2, 1_500), Is.Null);
        Assert.That(response.Grant.Terms.PricePerHour, Is.EqualTo(1_000), "the node's price, not the maximum");
        Assert.That(_desk.Current(_market.Time.GetUtcNow()), Is.Null);

        Create(_market.Payer, response.Grant);
        var block = _market.Chain.CommitNext(_market.Time.GetUtcNow());
        Assert.That(block.Block.Txs, Has.Count.EqualTo(1));
        var lease = _desk.Current(_market.Time.GetUtcNow());
        Assert.That(lease, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(lease!.LeaseId, Is.EqualTo(PaymentIds.ToHex(PaymentIds.Lease(_market.Node.PeerId, 0))));
            Assert.That(lease.Allows(_market.Payer.PeerId), Is.True);
            Assert.That(lease.Allows(_market.Chain.Carol.PeerId), Is.True, "a delegate");
            Assert.That(lease.Allows(_market.Chain.Validators[0].PeerId), Is.False);
            Assert.That(lease.Until, Is.EqualTo(_market.Time.GetUtcNow() + TimeSpan.FromHours(2)));
        });
        Assert.That(_desk.Answer(_market.Chain.Carol.PeerId, Request()).Error.Code, Is.EqualTo(MarketErrorCode.Unavailable), "leased");
        _market.Time.Advance(TimeSpan.FromHours(2));
        Assert.That(_desk.Current(_market.Time.GetUtcNow()), Is.Null, "ended");
    }

    [Test]
    public async Task The_delegates_of_a_running_lease_survive_a_restart()
    {
        var grant = _desk.Answer(_market.Payer.PeerId, Request(2, 1_000, _market.Chain.Carol.PeerId)).Grant;
        Create(_market.Payer, grant);
        _market.Chain.CommitNext(_market.Time.GetUtcNow());
        var store = await _market.ReopenNodeStoreAsync();
        var restarted = new LeaseDesk(_market.Chain.Node, _market.Node, store, _desk.Options, new MarketMessageValidator(ChainFixture.ChainId), _market.Time);
        Assert.That(restarted.Current(_market.Time.GetUtcNow())!.Allows(_market.Chain.Carol.PeerId), Is.True);
    }

    [Test]
    public void Requests_the_node_cannot_grant_get_typed_errors()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_desk.Answer(_market.Payer.PeerId, Request(max: 999)).Error.Code, Is.EqualTo(MarketErrorCode.PriceTooLow));
            Assert.That(_desk.Answer(_market.Payer.PeerId, Request(hours: 11)).Error.Code, Is.EqualTo(MarketErrorCode.BadRequest));
            Assert.That(_desk.Answer(_market.Payer.PeerId, new LeaseRequest { ChainId = "x", Hours = 1 }).Error.Code, Is.EqualTo(MarketErrorCode.BadRequest));
            Assert.That(_desk.Answer(_market.Node.PeerId, Request()).Error.Code, Is.EqualTo(MarketErrorCode.BadRequest), "itself");
            Assert.That(Desk(new LeaseOptions()).Answer(_market.Payer.PeerId, Request()).Error.Code, Is.EqualTo(MarketErrorCode.Unavailable), "no lease price");
        });
    }

    [Test]
    public void An_outstanding_grant_keeps_other_tenants_off_until_it_expires()
    {
        Assert.That(_desk.Answer(_market.Payer.PeerId, Request()).Grant, Is.Not.Null);
        Assert.That(_desk.Answer(_market.Chain.Carol.PeerId, Request()).Error.Code, Is.EqualTo(MarketErrorCode.Unavailable));
        Assert.That(_desk.Answer(_market.Payer.PeerId, Request()).Grant, Is.Not.Null, "the same tenant may ask again");
        _market.Time.Advance(TimeSpan.FromMinutes(3));
        Assert.That(_desk.Answer(_market.Chain.Carol.PeerId, Request()).Grant, Is.Not.Null);
    }

    [Test]
    public void A_tenant_refuses_grants_that_are_not_what_it_asked_for()
    {
        var grant = _desk.Answer(_market.Payer.PeerId, Request(2, 1_000)).Grant;
        Assert.Multiple(() =>
        {
            Assert.That(LeaseDesk.CheckGrant(ChainFixture.ChainId, grant, _market.Payer.PeerId, _market.Node.PeerId, 3, 1_000), Does.Contain("hours"));
            Assert.That(LeaseDesk.CheckGrant(ChainFixture.ChainId, grant, _market.Payer.PeerId, _market.Node.PeerId, 2, 999), Does.Contain("asks"));
            Assert.That(LeaseDesk.CheckGrant(ChainFixture.ChainId, grant, _market.Chain.Carol.PeerId, _market.Node.PeerId, 2, 1_000), Does.Contain("another"));
            Assert.That(LeaseDesk.CheckGrant("other-chain", grant, _market.Payer.PeerId, _market.Node.PeerId, 2, 1_000), Does.Contain("signed"));
            Assert.That(LeaseDesk.CheckGrant(ChainFixture.ChainId, null, _market.Payer.PeerId, _market.Node.PeerId, 2, 1_000), Does.Contain("no terms"));
        });
    }
}
