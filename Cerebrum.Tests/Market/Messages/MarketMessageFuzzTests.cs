using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Market.Messages;

/// <summary>
/// Hostile market messages: every mutation of valid gossip payloads, quotes and lease messages gets a verdict or a
/// parse error, never another exception, and nothing claimed in a length is allocated before it arrives.
/// </summary>
public class MarketMessageFuzzTests
{
    private static readonly PrivateKey Node = Fuzz.Key("market-node", KeyType.Secp256k1);

    [OneTimeTearDown]
    public void DisposeKey() => Node.Dispose();

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Gossip_payloads_get_a_verdict(int seed)
    {
        var validator = new MarketMessageValidator(MarketMessages.ChainId);
        byte[][] valid = [MarketMessages.OfferGossip(Node, MarketMessages.Offer(Node)), MarketMessages.JobRequestGossip(Node, MarketMessages.JobRequest(Node))];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(400); i++)
        {
            var input = mutator.Next(valid, 200);
            MarketVerdict<object>? verdict = null;
            Fuzz.CheckBounded("MarketMessageValidator.ValidateGossip", seed, input, () => verdict = validator.ValidateGossip(input, MarketMessages.Now));
            Assert.That(verdict!.Reason, Is.Not.Empty);
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Quotes_and_lease_messages_parse_or_fail_cleanly(int seed)
    {
        var validator = new MarketMessageValidator(MarketMessages.ChainId);
        byte[][] valid =
        [
            new BidRequest { Quote = MarketSigning.Sign(Node, MarketMessageKind.Quote, MarketMessages.Quote(Node)) }.ToByteArray(),
            new LeaseRequest { ChainId = MarketMessages.ChainId, Hours = 3, MaxPricePerHour = 9, Delegates = { ByteString.CopyFrom(Node.PeerId.Bytes.Span) } }.ToByteArray(),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(400); i++)
        {
            var input = mutator.Next(valid, 200);
            Fuzz.CheckBounded("BidRequest", seed, input, () => validator.ValidateQuote(BidRequest.Parser.ParseFrom(input).Quote, MarketMessages.Now), typeof(InvalidProtocolBufferException));
            Fuzz.CheckBounded("LeaseRequest", seed, input, () => validator.CheckLeaseRequest(LeaseRequest.Parser.ParseFrom(input), out _), typeof(InvalidProtocolBufferException));
        }
    }
}
