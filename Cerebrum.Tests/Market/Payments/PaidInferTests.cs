using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Tests.Chain;
using Cerebrum.Tests.Inference;
using Google.Protobuf;

namespace Cerebrum.Tests.Market.Payments;

/// <summary>
/// <c>/cerebrum/infer/</c> on a priced node (Bob, 100 micro-CER a job) with the market's admission: Alice pays through a
/// channel of 1,000; Carol is anyone else. Real ledger, real engine (the add model), the handler fed encoded requests.
/// </summary>
[TestFixture]
public sealed class PaidInferTests
{
    private const ulong Price = 100;
    private MarketChain _market = null!;
    private AddModelEngine _model = null!;
    private VoucherBook _book = null!;
    private LeaseDesk _leases = null!;
    private InferProtocolHandler _handler = null!;
    private byte[] _channel = null!;

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _market.Commit(Txs.RegisterNode(_market.Node, _market.Chain.Node.GetNextNonce(_market.Node.PeerId), 6_000, []));
        _channel = _market.OpenChannel(1_000);
        _model = AddModelEngine.Start();
        _book = new VoucherBook(_market.NodeStore, _market.Chain.Node, _market.Node.PeerId, _market.Time);
        _leases = new LeaseDesk(_market.Chain.Node, _market.Node, _market.NodeStore, new LeaseOptions { PricePerHour = 1_000, MinHours = 1, MaxHours = 10 },
            new MarketMessageValidator(ChainFixture.ChainId), _market.Time);
        _handler = new InferProtocolHandler(_model.Engine, _market.Node, time: _market.Time)
        {
            Admission = new NodeJobAdmission(_book, _leases, _market.Node.PeerId, () => Price, _market.Time),
        };
    }

    [TearDown]
    public async Task TearDown()
    {
        _book.Dispose();
        await _model.DisposeAsync();
        await _market.DisposeAsync();
    }

    private InferRequest Request(byte[]? channel = null, Voucher? voucher = null, ulong maxPrice = 0, string? model = null)
    {
        var request = InferProtocolClient.CreateRequest(model ?? _model.AddHash,
            [Tensor.FromFloats("a", [1, 3], [1, 2, 3]), Tensor.FromFloats("b", [1, 3], [1, 1, 1])], DateTimeOffset.UtcNow.AddMinutes(1));
        return channel is null ? request : InferProtocolClient.WithPayment(request, channel, voucher?.ToByteArray(), maxPrice);
    }

    private Voucher Voucher(ulong amount, ulong nonce, PrivateKey? payer = null, byte[]? channel = null) =>
        Vouchers.Sign(payer ?? _market.Payer, ChainFixture.ChainId, channel ?? _channel, amount, nonce);

    private async Task<InferResponse> AnswerAsync(InferRequest request, PrivateKey? requester = null) =>
        await _handler.AnswerAsync(request.ToByteArray(), (requester ?? _market.Payer).PeerId, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

    private static (InferenceErrorCode Code, ulong Price, PaymentErrorCode Reason) Refusal(InferResponse response) =>
        ((InferenceErrorCode)(int)response.Error.Code, response.Price, (PaymentErrorCode)response.PaymentError);

    [Test]
    public async Task An_unpaid_job_is_payment_required_naming_the_price_and_does_not_run()
    {
        var response = await AnswerAsync(Request());
        Assert.That(Refusal(response), Is.EqualTo((InferenceErrorCode.PaymentRequired, Price, PaymentErrorCode.PaymentRequired)));
        Assert.That(response.Outputs, Is.Empty);
        Assert.That(response.Error.Message, Does.Contain("100 micro-CER"));
        var tooLittle = await AnswerAsync(Request(_channel, Voucher(1_000, 1), maxPrice: 99));
        Assert.That(Refusal(tooLittle), Is.EqualTo((InferenceErrorCode.PaymentRequired, Price, PaymentErrorCode.PaymentRequired)), "the requester's maximum is below the price");
    }

    [Test]
    public async Task A_paid_job_runs_and_its_receipt_binds_requester_time_price_and_a_job_id_the_requester_did_not_choose_alone()
    {
        var request = Request(_channel, Voucher(Price, 1), maxPrice: Price);
        var response = await AnswerAsync(request);

        Assert.That(response.Error, Is.Null, response.Error?.Message);
        Assert.Multiple(() =>
        {
            Assert.That(response.Requester.ToByteArray(), Is.EqualTo(_market.Payer.PeerId.Bytes.ToArray()));
            Assert.That(response.TimeUnixMs, Is.EqualTo(_market.Time.GetUtcNow().ToUnixTimeMilliseconds()));
            Assert.That(response.Price, Is.EqualTo(Price));
            Assert.That(response.NodeNonce.Length, Is.EqualTo(InferProtocolHandler.NodeNonceLength));
            Assert.That(InferReceipts.Verify(request, response, _market.Node.PublicKey, _market.Payer.PeerId), Is.True);
            Assert.That(InferReceipts.Verify(request, response, _market.Node.PublicKey, _market.Chain.Carol.PeerId), Is.False, "bound to its requester");
        });
        // Each bound field is under the signature.
        foreach (var tamper in new Action<InferResponse>[]
                 {
                     r => r.Price = 1, r => r.TimeUnixMs += 1, r => r.NodeNonce = ByteString.CopyFrom(new byte[16]),
                     r => r.Requester = ByteString.CopyFrom(_market.Chain.Carol.PeerId.Bytes.Span),
                 })
        {
            var copy = response.Clone();
            tamper(copy);
            Assert.That(InferReceipts.Verify(request, copy, _market.Node.PublicKey), Is.False);
        }
        var again = await AnswerAsync(Request(_channel, Voucher(2 * Price, 2), maxPrice: Price).Also(r => r.JobId = request.JobId));
        Assert.That(again.Error, Is.Null);
        Assert.That(InferReceipts.BoundJobId(again.JobId, again.NodeNonce.Span), Is.Not.EqualTo(InferReceipts.BoundJobId(response.JobId, response.NodeNonce.Span)),
            "the same requester job id gives another bound job id");
        var view = _book.Snapshot().Single();
        Assert.That((view.Best!.Amount, view.Consumed), Is.EqualTo((2 * Price, 2 * Price)));
    }

    [Test]
    public async Task Refused_vouchers_are_typed_and_nothing_is_charged()
    {
        Assert.That(Refusal(await AnswerAsync(Request(new byte[32], Voucher(Price, 1, channel: new byte[32])))).Reason, Is.EqualTo(PaymentErrorCode.UnknownChannel));
        Assert.That(Refusal(await AnswerAsync(Request(_channel, Voucher(1_001, 1)))).Reason, Is.EqualTo(PaymentErrorCode.AboveDeposit));
        Assert.That(Refusal(await AnswerAsync(Request(_channel, Voucher(Price, 1, payer: _market.Chain.Carol)))).Reason, Is.EqualTo(PaymentErrorCode.BadVoucher), "signed by someone else");
        Assert.That(Refusal(await AnswerAsync(Request(_channel, Voucher(Price, 1)), _market.Chain.Carol)).Reason, Is.EqualTo(PaymentErrorCode.WrongChannel), "Alice's channel used by Carol");
        var garbage = Request(_channel);
        garbage.Voucher = ByteString.CopyFrom(0xFF, 0xFF, 0xFF);
        Assert.That(Refusal(await AnswerAsync(garbage)).Reason, Is.EqualTo(PaymentErrorCode.BadVoucher));

        Assert.That((await AnswerAsync(Request(_channel, Voucher(Price, 1)))).Error, Is.Null);
        var replay = await AnswerAsync(Request(_channel, Voucher(Price, 1)));
        Assert.That(Refusal(replay).Reason, Is.EqualTo(PaymentErrorCode.StaleVoucher), "a replayed voucher pays nothing more");
        Assert.That(Vouchers.Verify(ChainFixture.ChainId, Core.Chain.Proto.Voucher.Parser.ParseFrom(replay.BestVoucher), _market.Payer.PublicKey), Is.True,
            "the node sends back the payer's own best voucher");

        _market.Commit(Txs.CloseChannel(_market.Payer, _market.Chain.Node.GetNextNonce(_market.Payer.PeerId), _channel));
        Assert.That(Refusal(await AnswerAsync(Request(_channel, Voucher(2 * Price, 2)))).Reason, Is.EqualTo(PaymentErrorCode.ChannelClosing));
        Assert.That(_book.Snapshot().Single().Consumed, Is.EqualTo(Price), "only the one job served was charged");
    }

    [Test]
    public async Task A_job_that_fails_after_admission_is_refunded()
    {
        // Its deadline has passed: admitted (it parsed, its model is loaded, it fits the budget), then dropped by the scheduler.
        var expired = Request(_channel, Voucher(Price, 1));
        expired.DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        var failed = await AnswerAsync(expired);
        Assert.That((InferenceErrorCode)(int)failed.Error.Code, Is.EqualTo(InferenceErrorCode.DeadlineExceeded));
        Assert.That(_book.Snapshot().Single().Consumed, Is.Zero);
        Assert.That((await AnswerAsync(Request(_channel))).Error, Is.Null, "the credit the refused job brought pays the next");
    }

    [Test]
    public async Task A_job_refused_before_admission_takes_no_voucher()
    {
        var unknown = await AnswerAsync(Request(_channel, Voucher(Price, 1), model: "sha256:" + new string('b', 64)));
        Assert.That((InferenceErrorCode)(int)unknown.Error.Code, Is.EqualTo(InferenceErrorCode.UnknownModel));
        Assert.That(_book.Snapshot(), Is.Empty, "the engine refused it before the market saw its voucher");
        var unpaid = Refusal(await AnswerAsync(Request(_channel)));
        Assert.That(unpaid.Code, Is.EqualTo(InferenceErrorCode.PaymentRequired), "so its voucher brought no credit");
        Assert.That((await AnswerAsync(Request(_channel, Voucher(Price, 2)))).Error, Is.Null, "a voucher sent again pays");
    }

    [Test]
    public async Task A_leased_node_serves_its_tenant_free_and_refuses_everyone_else_with_leased()
    {
        var grant = _leases.Answer(_market.Chain.Carol.PeerId, new LeaseRequest { ChainId = ChainFixture.ChainId, Hours = 1, MaxPricePerHour = 1_000 }).Grant!;
        _market.Chain.Submit(Txs.CreateLease(_market.Chain.Carol, _market.Chain.Node.GetNextNonce(_market.Chain.Carol.PeerId), grant.Terms, grant.NodeSignature.ToByteArray()));
        _market.Chain.CommitNext(_market.Time.GetUtcNow());

        var other = await AnswerAsync(Request(_channel, Voucher(Price, 1)));
        Assert.That((InferenceErrorCode)(int)other.Error.Code, Is.EqualTo(InferenceErrorCode.Leased), "Alice pays, but the node is Carol's");
        var tenant = await AnswerAsync(Request(), _market.Chain.Carol);
        Assert.That(tenant.Error, Is.Null, tenant.Error?.Message);
        Assert.That(tenant.Price, Is.Zero, "the lease prepaid it");

        _market.Time.Advance(TimeSpan.FromHours(1));
        Assert.That((await AnswerAsync(Request(_channel, Voucher(Price, 1)))).Error, Is.Null, "once the lease ends the node serves payers again");
    }

    [Test]
    public async Task The_nodes_own_jobs_are_free()
    {
        var response = await _handler.AnswerAsync(Request().ToByteArray(), CancellationToken.None);
        Assert.That(response.Error, Is.Null);
        Assert.That(response.Requester.ToByteArray(), Is.EqualTo(_market.Node.PeerId.Bytes.ToArray()));
    }
}

file static class RequestExtensions
{
    public static InferRequest Also(this InferRequest request, Action<InferRequest> change)
    {
        change(request);
        return request;
    }
}
