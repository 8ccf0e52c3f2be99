using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.Market;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// A gateway (Alice's marketplace) paying a priced node (Bob: 30 micro-CER a job, the market's admission on a real
/// engine) over one ledger whose blocks a background producer commits as transactions arrive: channels are opened and
/// topped up automatically, every job is paid exactly once, and the node's claim pays it exactly what the jobs cost
/// minus the take.
/// </summary>
[TestFixture]
public sealed class GatewayPaymentsTests
{
    private const ulong Price = 30;
    private MarketChain _market = null!;
    private AddModelEngine _model = null!;
    private Marketplace _gateway = null!;
    private Marketplace _node = null!;
    private InferProtocolHandler _handler = null!;
    private CancellationTokenSource _stop = null!;
    private Task _producer = null!;

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _model = AddModelEngine.Start();
        var options = new MarketOptions { Claims = new ClaimOptions { Threshold = 1_000_000_000, Interval = TimeSpan.FromHours(1) } };
        _gateway = Marketplace.Open(Path.Combine(_market.NodeDirectory, "..", "gateway-market"), _market.Chain.Node, _market.Payer, options, _market.Chain.Node.SubmitTransaction, NullLogger.Instance, _market.Time);
        _node = Marketplace.Open(Path.Combine(_market.NodeDirectory, "node-market"), _market.Chain.Node, _market.Node, options, _market.Chain.Node.SubmitTransaction, NullLogger.Instance, _market.Time);
        _handler = new InferProtocolHandler(_model.Engine, _market.Node, time: _market.Time)
        {
            Admission = new NodeJobAdmission(_node.Payee, _node.Leases, _market.Node.PeerId, () => Price, _market.Time),
        };
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _producer = _market.ProduceBlocksAsync(_stop.Token);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _stop.CancelAsync();
        await _producer;
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
        await _model.DisposeAsync();
        await _market.DisposeAsync();
        _stop.Dispose();
    }

    private Task<InferCallResult> JobAsync(GatewayPayments payments, float x, ulong price = Price) =>
        payments.RunAsync(_market.Node.PeerId, price, payment =>
        {
            var request = InferProtocolClient.CreateRequest(_model.AddHash,
                [Tensor.FromFloats("a", [1, 3], [x, x, x]), Tensor.FromFloats("b", [1, 3], [1, 1, 1])], DateTimeOffset.UtcNow.AddMinutes(1));
            if (payment is not null) InferProtocolClient.WithPayment(request, payment.ChannelId, payment.Voucher, payment.MaxPrice);
            return InferProtocolClient.InferInProcessAsync(_handler, _market.Node.PublicKey, _market.Payer.PeerId, request, CancellationToken.None);
        }, _stop.Token);

    [Test]
    public async Task Jobs_open_and_top_up_a_channel_and_the_node_is_paid_exactly_the_sum_of_the_prices_minus_the_take()
    {
        var payments = new GatewayPayments(_gateway, new GatewayPaymentOptions { Deposit = 1_000 }, _market.Time, NullLogger.Instance);
        var before = _market.Chain.Node.GetAccount(_market.Node.PeerId).Balance;
        var spend = RequestSpend.Begin();
        var receipts = new List<InferCallResult>();
        for (var i = 0; i < 20; i++) receipts.Add(await JobAsync(payments, i));
        // Concurrent jobs, past the first deposit (20 + 30 jobs of 30 = 1,500 > 1,000): a top-up, each job paid once.
        receipts.AddRange(await Task.WhenAll(Enumerable.Range(20, 30).Select(i => JobAsync(payments, i))));

        const ulong total = 50 * Price;
        Assert.That(receipts.Sum(r => (long)r.Binding!.Price), Is.EqualTo(total));
        Assert.That(receipts.Select(r => r.Binding!.BoundJobId).Distinct().Count(), Is.EqualTo(50));
        Assert.That(spend.Total, Is.EqualTo(total), "every job's price is booked to the HTTP request's spend");
        var channel = _gateway.Payer.Snapshot().Single();
        Assert.That(channel.Spent, Is.EqualTo(total), "the gateway's channel total is the sum of the prices of the answered jobs");
        Assert.That(channel.Ledger!.Deposit, Is.EqualTo(2_000UL), "opened with 1,000, topped up by 1,000");
        Assert.That(_node.Payee.Snapshot().Single().Consumed, Is.EqualTo(total));

        var claims = _node.Claimer.ClaimNow(null);
        Assert.That(claims.Single().Error, Is.Null);
        await Poll.UntilAsync(() => _market.Chain.Node.GetChannel(Convert.FromHexString(channel.ChannelId))!.Paid == total, TimeSpan.FromSeconds(20));
        var after = _market.Chain.Node.GetAccount(_market.Node.PeerId).Balance;
        Assert.That(after - before, Is.EqualTo(total - PaymentMath.Take(total, _market.Chain.Node.Params.TakeRateBasisPoints) - _market.Chain.Node.Params.MinFee),
            "the node's balance grew by the jobs' prices minus the take (and its claim's fee)");
    }

    [Test]
    public async Task A_price_the_heartbeat_did_not_tell_is_learnt_from_the_nodes_payment_required_and_a_failed_job_costs_nothing()
    {
        var payments = new GatewayPayments(_gateway, new GatewayPaymentOptions { Deposit = 1_000 }, _market.Time, NullLogger.Instance);
        var result = await JobAsync(payments, 1, price: 0);
        Assert.That(result.Binding!.Price, Is.EqualTo(Price));

        var failed = Assert.ThrowsAsync<InferCallException>(() => payments.RunAsync(_market.Node.PeerId, Price, payment =>
        {
            var request = InferProtocolClient.CreateRequest("sha256:" + new string('c', 64), [Tensor.FromFloats("a", [1, 3], [1, 1, 1]), Tensor.FromFloats("b", [1, 3], [1, 1, 1])], DateTimeOffset.UtcNow.AddMinutes(1));
            InferProtocolClient.WithPayment(request, payment!.ChannelId, payment.Voucher, payment.MaxPrice);
            return InferProtocolClient.InferInProcessAsync(_handler, _market.Node.PublicKey, _market.Payer.PeerId, request, CancellationToken.None);
        }, _stop.Token));
        Assert.That(failed!.NodeError, Is.EqualTo(InferenceErrorCode.UnknownModel));
        Assert.That(_gateway.Payer.Snapshot().Single().Spent, Is.EqualTo(Price), "the failed job was given back");
        Assert.That(_node.Payee.Snapshot().Single().Consumed, Is.EqualTo(Price));
        Assert.That((await JobAsync(payments, 2)).Binding!.Price, Is.EqualTo(Price), "and the channel keeps paying");
    }

    [Test]
    public void A_node_dearer_than_the_gateways_maximum_is_not_paid()
    {
        var payments = new GatewayPayments(_gateway, new GatewayPaymentOptions { Deposit = 1_000, MaxPricePerRequest = 10 }, _market.Time, NullLogger.Instance);
        var error = Assert.ThrowsAsync<InferCallException>(() => JobAsync(payments, 1));
        Assert.That(error!.NodeError, Is.EqualTo(InferenceErrorCode.PaymentRequired));
        Assert.That(error.Message, Does.Contain("above this gateway's maximum of 10"));
        Assert.That(_gateway.Payer.Snapshot(), Is.Empty, "no channel opened");
    }

    [Test]
    public async Task A_gateway_that_lost_its_unwritten_payments_in_a_crash_resynchronises_and_nothing_is_paid_twice()
    {
        // The gateway does not wait for its book's write before sending a job: a crash can lose the latest states. Worst
        // cases: the book of 2 jobs ago (its file copied then), and no book at all.
        var options = new MarketOptions { Claims = new ClaimOptions { Threshold = 1_000_000_000, Interval = TimeSpan.FromHours(1) } };
        var root = Path.Combine(_market.NodeDirectory, "..");
        Marketplace Open(string name) => Marketplace.Open(Path.Combine(root, name), _market.Chain.Node, _market.Payer, options, _market.Chain.Node.SubmitTransaction, NullLogger.Instance, _market.Time);
        async Task RunJobsAsync(Marketplace market, int count)
        {
            var payments = new GatewayPayments(market, new GatewayPaymentOptions { Deposit = 1_000 }, _market.Time, NullLogger.Instance);
            for (var i = 0; i < count; i++) Assert.That((await JobAsync(payments, i)).Binding!.Price, Is.EqualTo(Price));
        }

        var first = Open("gateway-first");
        await RunJobsAsync(first, 2);
        await first.DisposeAsync();
        CopyDirectory(Path.Combine(root, "gateway-first"), Path.Combine(root, "gateway-behind"));
        var second = Open("gateway-first");
        await RunJobsAsync(second, 3);
        await second.DisposeAsync();

        var behind = Open("gateway-behind");
        await RunJobsAsync(behind, 2);
        Assert.That(behind.Payer.Snapshot().Single().Spent, Is.EqualTo(7 * Price), "the book 3 jobs behind adopted the node's best voucher");
        await behind.DisposeAsync();
        var amnesiac = Open("gateway-lost");
        await RunJobsAsync(amnesiac, 1);
        var channel = amnesiac.Payer.Snapshot().Single();
        await amnesiac.DisposeAsync();

        const ulong total = 8 * Price;
        var node = _node.Payee.Snapshot().Single();
        Assert.That(channel.Spent, Is.EqualTo(total), "a book lost entirely finds the channel on the ledger and resynchronises too (no second channel)");
        Assert.That(node.Consumed, Is.EqualTo(total), "every answered job was paid, none twice");
        Assert.That(node.Best!.Amount, Is.EqualTo(total), "the voucher the node can redeem promises exactly the answered jobs");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
