using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.PubSub;
using Google.Protobuf;

namespace Cerebrum.Tests.Market.Messages;

[TestFixture]
public sealed class MarketMessageValidatorTests
{
    private static readonly PrivateKey Node = PrivateKey.Generate(KeyType.Secp256k1);
    private static readonly PrivateKey Other = PrivateKey.Generate(KeyType.Secp256k1);
    private readonly MarketMessageValidator _validator = new(MarketMessages.ChainId);
    private static readonly DateTimeOffset Now = MarketMessages.Now;

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Node.Dispose();
        Other.Dispose();
    }

    private MarketVerdict<object> Gossip(Offer offer, PrivateKey? signer = null) =>
        _validator.ValidateGossip(MarketMessages.OfferGossip(signer ?? Node, offer), Now);

    private static Offer With(Action<Offer> change)
    {
        var offer = MarketMessages.Offer(Node);
        change(offer);
        return offer;
    }

    [Test]
    public void A_valid_offer_is_accepted_with_its_node_and_addresses()
    {
        var verdict = Gossip(MarketMessages.Offer(Node));
        Assert.That(verdict.Result, Is.EqualTo(ValidationResult.Accept), verdict.Reason);
        var offer = (VerifiedOffer)verdict.Value!;
        Assert.That((offer.Node, offer.Addresses.Single().ToString()), Is.EqualTo((Node.PeerId, "/ip4/127.0.0.1/tcp/4001")));
    }

    [Test]
    public void Offers_their_author_is_to_blame_for_are_rejected()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Gossip(MarketMessages.Offer(Node), signer: Other).Result, Is.EqualTo(ValidationResult.Reject), "names another node than its signer");
            Assert.That(Gossip(With(o => o.ChainId = "other")).Result, Is.EqualTo(ValidationResult.Reject), "another chain");
            Assert.That(Gossip(With(o => o.Models.Clear())).Result, Is.EqualTo(ValidationResult.Accept), "a lease-only offer");
            Assert.That(Gossip(With(o => { o.Models.Clear(); o.Lease = null; })).Result, Is.EqualTo(ValidationResult.Reject), "offers nothing");
            Assert.That(Gossip(With(o => o.Models.Add(o.Models[0].Clone()))).Result, Is.EqualTo(ValidationResult.Reject), "a model twice");
            Assert.That(Gossip(With(o => o.Models[0].Hash = new string('x', 300))).Result, Is.EqualTo(ValidationResult.Reject), "a long hash");
            Assert.That(Gossip(With(o => o.Lease.MinHours = 0)).Result, Is.EqualTo(ValidationResult.Reject), "zero hours");
            Assert.That(Gossip(With(o => o.Lease.MaxHours = 0)).Result, Is.EqualTo(ValidationResult.Reject), "max below min");
            Assert.That(Gossip(With(o => o.Region = new string('r', 65))).Result, Is.EqualTo(ValidationResult.Reject), "a long region");
            Assert.That(Gossip(With(o => o.Addresses.Add(ByteString.CopyFrom([1, 2, 3])))).Result, Is.EqualTo(ValidationResult.Reject), "a bad address");
            Assert.That(Gossip(With(o => o.ExpiresUnixMs = o.IssuedUnixMs + (long)TimeSpan.FromHours(1).TotalMilliseconds)).Result, Is.EqualTo(ValidationResult.Reject), "valid too long");
            Assert.That(Gossip(With(o => o.ExpiresUnixMs = o.IssuedUnixMs)).Result, Is.EqualTo(ValidationResult.Reject), "expires when issued");
            Assert.That(_validator.ValidateGossip(new byte[40_000], Now).Result, Is.EqualTo(ValidationResult.Reject), "oversized");
            Assert.That(_validator.ValidateGossip([0xFF, 0xFF], Now).Result, Is.EqualTo(ValidationResult.Reject), "garbage");
            Assert.That(_validator.ValidateGossip([], Now).Result, Is.EqualTo(ValidationResult.Reject), "empty");
        });
    }

    [Test]
    public void Expired_or_future_offers_are_ignored_not_blamed()
    {
        Assert.That(_validator.ValidateGossip(MarketMessages.OfferGossip(Node, MarketMessages.Offer(Node)), Now + TimeSpan.FromMinutes(6)).Result, Is.EqualTo(ValidationResult.Ignore));
        Assert.That(_validator.ValidateGossip(MarketMessages.OfferGossip(Node, MarketMessages.Offer(Node)), Now - TimeSpan.FromMinutes(1)).Result, Is.EqualTo(ValidationResult.Ignore));
    }

    [Test]
    public void A_signed_body_re_wrapped_with_extra_bytes_or_signed_for_another_kind_is_rejected()
    {
        var signed = MarketSigning.Sign(Node, MarketMessageKind.Offer, MarketMessages.Offer(Node));
        var padded = signed.Clone();
        padded.Body = ByteString.CopyFrom([.. signed.Body.ToByteArray(), 0xA0, 0x06, 0x01]); // unknown field 100 = 1
        Assert.That(_validator.ValidateOffer(padded, Now).Reason, Does.Contain("signature"), "the signature covers the exact bytes");
        var resigned = MarketSigning.Sign(Node, MarketMessageKind.Offer, Offer.Parser.ParseFrom(padded.Body));
        var unknownField = new SignedMarketMessage { Body = padded.Body, PublicKey = resigned.PublicKey, Signature = ByteString.CopyFrom(Node.Sign(MarketSigning.SigningBytes(MarketMessageKind.Offer, padded.Body.Span))) };
        Assert.That(_validator.ValidateOffer(unknownField, Now).Reason, Does.Contain("canonical"));
        var asQuote = MarketSigning.Sign(Node, MarketMessageKind.Quote, MarketMessages.Offer(Node));
        Assert.That(_validator.ValidateOffer(asQuote, Now).Result, Is.EqualTo(ValidationResult.Reject), "a signature in another domain");
    }

    [Test]
    public void Job_requests_and_quotes_are_checked_alike()
    {
        Assert.That(_validator.ValidateGossip(MarketMessages.JobRequestGossip(Other, MarketMessages.JobRequest(Other)), Now).Result, Is.EqualTo(ValidationResult.Accept));
        var noInputs = MarketMessages.JobRequest(Other);
        noInputs.Inputs = 0;
        Assert.That(_validator.ValidateGossip(MarketMessages.JobRequestGossip(Other, noInputs), Now).Result, Is.EqualTo(ValidationResult.Reject));
        var shortId = MarketMessages.JobRequest(Other);
        shortId.RequestId = ByteString.CopyFrom([1]);
        Assert.That(_validator.ValidateGossip(MarketMessages.JobRequestGossip(Other, shortId), Now).Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(_validator.ValidateGossip(MarketMessages.JobRequestGossip(Node, MarketMessages.JobRequest(Other)), Now).Result, Is.EqualTo(ValidationResult.Reject), "signed by another");

        var quote = _validator.ValidateQuote(MarketSigning.Sign(Node, MarketMessageKind.Quote, MarketMessages.Quote(Node)), Now);
        Assert.That(quote.IsAccepted, Is.True, quote.Reason);
        var noSlots = MarketMessages.Quote(Node);
        noSlots.Slots = 0;
        Assert.That(_validator.ValidateQuote(MarketSigning.Sign(Node, MarketMessageKind.Quote, noSlots), Now).Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(_validator.ValidateQuote(MarketSigning.Sign(Other, MarketMessageKind.Quote, MarketMessages.Quote(Node)), Now).Result, Is.EqualTo(ValidationResult.Reject));
        Assert.That(_validator.ValidateQuote(null, Now).Result, Is.EqualTo(ValidationResult.Reject));
    }

    [Test]
    public void Lease_requests_are_checked_for_chain_hours_and_delegates()
    {
        var request = new LeaseRequest { ChainId = MarketMessages.ChainId, Hours = 2, MaxPricePerHour = 10, Delegates = { ByteString.CopyFrom(Other.PeerId.Bytes.Span) } };
        Assert.That(_validator.CheckLeaseRequest(request, out var delegates), Is.Null);
        Assert.That(delegates, Is.EqualTo(new[] { Other.PeerId }));
        Assert.That(_validator.CheckLeaseRequest(new LeaseRequest { ChainId = "x", Hours = 1 }, out _), Does.Contain("chain"));
        Assert.That(_validator.CheckLeaseRequest(new LeaseRequest { ChainId = MarketMessages.ChainId }, out _), Does.Contain("hour"));
        Assert.That(_validator.CheckLeaseRequest(new LeaseRequest { ChainId = MarketMessages.ChainId, Hours = 1, Delegates = { ByteString.CopyFrom([9]) } }, out _), Does.Contain("delegate"));
    }
}
