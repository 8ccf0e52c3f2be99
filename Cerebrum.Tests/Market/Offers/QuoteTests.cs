using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Offers;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Tests.Market.Messages;

namespace Cerebrum.Tests.Market.Offers;

/// <summary>A node quoting a job request it heard, and the requester keeping the quotes that fit.</summary>
[TestFixture]
public sealed class QuoteTests
{
    private static readonly DateTimeOffset Now = MarketMessages.Now;
    private PrivateKey _node = null!;
    private PrivateKey _requester = null!;
    private MarketMessageValidator _validator = null!;

    [SetUp]
    public void SetUp()
    {
        _node = PrivateKey.Generate(KeyType.Secp256k1);
        _requester = PrivateKey.Generate(KeyType.Secp256k1);
        _validator = new MarketMessageValidator(MarketMessages.ChainId);
    }

    [TearDown]
    public void TearDown()
    {
        _node.Dispose();
        _requester.Dispose();
    }

    private static OfferedModel[] Models(ulong price) => [new OfferedModel { Hash = "sha256:" + new string('a', 64), Name = "all-minilm-l6-v2", PricePerRequest = price }];

    private VerifiedJobRequest Request() => new(_requester.PeerId, MarketMessages.JobRequest(_requester), []);

    [Test]
    public void A_node_quotes_a_request_it_can_serve_and_the_quote_verifies()
    {
        var desk = new QuoteDesk(_node, MarketMessages.ChainId, TimeSpan.FromMinutes(5));
        var (quote, reason) = desk.Answer(Request(), Models(100), 3, leased: false, Now);
        Assert.That(quote, Is.Not.Null, reason);
        var verified = _validator.ValidateQuote(quote, Now);
        Assert.That(verified.IsAccepted, Is.True, verified.Reason);
        Assert.Multiple(() =>
        {
            Assert.That(verified.Value!.Quote.PricePerRequest, Is.EqualTo(100));
            Assert.That(verified.Value.Quote.Slots, Is.EqualTo(3));
            Assert.That(verified.Value.Expires, Is.EqualTo(Now + TimeSpan.FromMinutes(1)), "no later than the request's deadline");
        });
    }

    [Test]
    public void A_node_does_not_quote_above_the_maximum_while_leased_busy_or_for_another_model()
    {
        var desk = new QuoteDesk(_node, MarketMessages.ChainId, TimeSpan.FromMinutes(5));
        Assert.That(desk.Answer(Request(), Models(151), 3, false, Now).Quote, Is.Null);
        Assert.That(desk.Answer(Request(), Models(100), 3, true, Now).Quote, Is.Null);
        Assert.That(desk.Answer(Request(), Models(100), 0, false, Now).Quote, Is.Null);
        Assert.That(desk.Answer(Request(), [new OfferedModel { Hash = "sha256:" + new string('b', 64), Name = "x", PricePerRequest = 1 }], 3, false, Now).Quote, Is.Null);
        Assert.That(desk.Answer(Request(), Models(100), 3, false, Now + TimeSpan.FromMinutes(2)).Quote, Is.Null, "past the deadline");
    }

    [Test]
    public void The_requester_keeps_quotes_for_its_open_requests_cheapest_first()
    {
        var book = new QuoteBook();
        var request = MarketMessages.JobRequest(_requester);
        Assert.That(book.Register(request), Is.True);
        using var cheaper = PrivateKey.Generate(KeyType.Secp256k1);
        var quote = Verified(_node, 120);
        var cheap = Verified(cheaper, 90);
        Assert.That(book.Accept(_node.PeerId, quote, Now).Error, Is.Null);
        Assert.That(book.Accept(cheaper.PeerId, cheap, Now).Error, Is.Null);
        Assert.That(book.Quotes(request.RequestId, Now).Select(q => q.Node), Is.EqualTo(new[] { cheaper.PeerId, _node.PeerId }));
        Assert.That(book.Accept(cheaper.PeerId, quote, Now).Error.Code, Is.EqualTo(MarketErrorCode.BadSignature), "relayed by another peer");
        Assert.That(book.Accept(_node.PeerId, Verified(_node, 151), Now).Error.Code, Is.EqualTo(MarketErrorCode.PriceTooLow));
        Assert.That(book.Accept(_node.PeerId, quote, Now + TimeSpan.FromMinutes(2)).Error.Code, Is.EqualTo(MarketErrorCode.Expired));
        book.Forget(request.RequestId);
        Assert.That(book.Accept(_node.PeerId, quote, Now).Error.Code, Is.EqualTo(MarketErrorCode.UnknownRequest));
    }

    [Test]
    public void Open_requests_and_quotes_per_request_are_bounded()
    {
        var book = new QuoteBook(maxRequests: 1, maxQuotesPerRequest: 1);
        var request = MarketMessages.JobRequest(_requester);
        Assert.That(book.Register(request), Is.True);
        var another = MarketMessages.JobRequest(_requester);
        another.RequestId = Google.Protobuf.ByteString.CopyFrom(Enumerable.Repeat((byte)1, 16).ToArray());
        Assert.That(book.Register(another), Is.False);
        using var second = PrivateKey.Generate(KeyType.Secp256k1);
        Assert.That(book.Accept(_node.PeerId, Verified(_node, 100), Now).Error, Is.Null);
        Assert.That(book.Accept(second.PeerId, Verified(second, 100), Now).Error.Code, Is.EqualTo(MarketErrorCode.RateLimited));
    }

    private VerifiedQuote Verified(PrivateKey node, ulong price) =>
        _validator.ValidateQuote(MarketSigning.Sign(node, MarketMessageKind.Quote, MarketMessages.Quote(node, price)), Now).Value!;
}
