using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Offers;
using Cerebrum.Core.Market.Protocols;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Market.Storage;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Market.Messages;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Market.Jobs;

/// <summary>
/// How a job picks its nodes: quoted nodes before those heard, cheapest first, offers and heartbeats when no usable quote
/// came; expired quotes, quotes above the maximum price, quotes of nodes the requester does not admit, and forged or
/// other-chain quotes count for nothing. And the runner: it asks for quotes before it picks, forgets them at the end,
/// says where its nodes came from, and gives newcomers only their share.
/// </summary>
[TestFixture]
public sealed class JobNodeSelectionTests
{
    private static readonly DateTimeOffset Now = MarketMessages.Now;
    private static readonly JobNodeStanding Active = new(false, 1_000_000, null);
    private readonly List<PrivateKey> _keys = [];
    private MarketMessageValidator _validator = null!;

    [SetUp]
    public void SetUp() => _validator = new MarketMessageValidator(MarketMessages.ChainId);

    [TearDown]
    public void TearDown()
    {
        foreach (var key in _keys) key.Dispose();
        _keys.Clear();
    }

    private PrivateKey Key()
    {
        var key = PrivateKey.Generate(KeyType.Secp256k1);
        _keys.Add(key);
        return key;
    }

    private VerifiedQuote Quote(PrivateKey node, ulong price, TimeSpan? lifetime = null, uint slots = 4)
    {
        var quote = MarketMessages.Quote(node, price);
        quote.Slots = slots;
        quote.ExpiresUnixMs = (Now + (lifetime ?? TimeSpan.FromMinutes(1))).ToUnixTimeMilliseconds();
        var verdict = _validator.ValidateQuote(MarketSigning.Sign(node, MarketMessageKind.Quote, quote), Now);
        Assert.That(verdict.IsAccepted, Is.True, verdict.Reason);
        return verdict.Value!;
    }

    private static (JobNode, JobNodeStanding) Heard(string peer, ulong price) => (new JobNode(peer, 4, price), Active);

    private static IReadOnlyList<JobNode> Select(IReadOnlyList<VerifiedQuote> quotes, IReadOnlyList<(JobNode, JobNodeStanding)> heard, ulong? maxPrice = null,
        DateTimeOffset? now = null, Func<PeerId, string, JobNodeStanding?>? admit = null) =>
        JobNodeSelection.Select(quotes, heard, maxPrice, now ?? Now, admit ?? ((_, _) => Active), (_, slots) => (int)slots);

    [Test]
    public void Quoted_nodes_are_preferred_to_those_heard_cheapest_first_at_their_quoted_price()
    {
        var (dear, cheap) = (Key(), Key());
        var nodes = Select([Quote(dear, 120), Quote(cheap, 90, slots: 2)], [Heard("heard", 1)]);
        Assert.Multiple(() =>
        {
            Assert.That(nodes.Select(n => n.PeerId), Is.EqualTo(new[] { cheap.PeerId.ToString(), dear.PeerId.ToString() }), "only the quoted nodes, cheapest first");
            Assert.That(nodes.Select(n => n.Price), Is.EqualTo(new ulong[] { 90, 120 }), "at the quoted prices");
            Assert.That(nodes.Select(n => n.Source), Is.All.EqualTo(JobNodeSource.Quote));
            Assert.That(nodes[0].Slots, Is.EqualTo(2), "the quote's slots");
        });
    }

    [Test]
    public void Without_a_usable_quote_the_job_falls_back_to_the_nodes_heard()
    {
        var node = Key();
        var heard = new[] { Heard("b", 30), Heard("a", 20), Heard("c", 199) };
        Assert.Multiple(() =>
        {
            Assert.That(Select([], heard).Select(n => n.PeerId), Is.EqualTo(new[] { "a", "b", "c" }), "no quote: offers and heartbeats, cheapest first");
            Assert.That(Select([Quote(node, 10, TimeSpan.FromSeconds(5))], heard, now: Now + TimeSpan.FromSeconds(6)).Select(n => n.PeerId),
                Is.EqualTo(new[] { "a", "b", "c" }), "an expired quote is ignored");
            Assert.That(Select([Quote(node, 151)], heard, maxPrice: 150).Select(n => n.PeerId), Is.EqualTo(new[] { "a", "b" }),
                "a quote above the maximum price is ignored, and so are nodes heard above it");
            Assert.That(Select([Quote(node, 10)], heard, admit: (_, _) => null).Select(n => n.Source), Is.All.EqualTo(JobNodeSource.Offer),
                "a quote of a node the requester does not admit (unregistered, jailed) is ignored");
        });
    }

    [Test]
    public void Among_equal_prices_the_faster_then_the_better_reputed_node_comes_first()
    {
        var nodes = JobNodeSelection.Rank(
        [
            (new JobNode("slow", 1, 5), new JobNodeStanding(false, 1_000_000, TimeSpan.FromMilliseconds(50))),
            (new JobNode("fast-low", 1, 5), new JobNodeStanding(false, 500_000, TimeSpan.FromMilliseconds(5))),
            (new JobNode("fast-high", 1, 5), new JobNodeStanding(false, 900_000, TimeSpan.FromMilliseconds(5))),
            (new JobNode("cheap", 1, 4), new JobNodeStanding(false, 1, TimeSpan.FromSeconds(1))),
        ]);
        Assert.That(nodes.Select(n => n.PeerId), Is.EqualTo(new[] { "cheap", "fast-high", "fast-low", "slow" }));
    }

    [Test]
    public void Forged_and_other_chain_quotes_are_refused_and_a_forged_job_request_is_rejected_on_the_gossip()
    {
        var (node, requester) = (Key(), Key());
        var book = new QuoteBook();
        var request = MarketMessages.JobRequest(requester);
        Assert.That(book.Register(request), Is.True);

        var forged = MarketSigning.Sign(node, MarketMessageKind.Quote, MarketMessages.Quote(node, 100));
        var cheaper = MarketMessages.Quote(node, 1);
        forged.Body = cheaper.ToByteString(); // the price changed after signing
        var answer = BidProtocol.Answer(new BidRequest { Quote = forged }.ToByteArray(), node.PeerId, _validator, book, Now);
        Assert.That(answer.Error?.Code, Is.EqualTo(MarketErrorCode.BadSignature), answer.Error?.Message);

        var otherChain = MarketMessages.Quote(node, 100);
        otherChain.ChainId = "other-chain";
        answer = BidProtocol.Answer(new BidRequest { Quote = MarketSigning.Sign(node, MarketMessageKind.Quote, otherChain) }.ToByteArray(), node.PeerId, _validator, book, Now);
        Assert.That(answer.Error?.Code, Is.EqualTo(MarketErrorCode.BadRequest), answer.Error?.Message);
        Assert.That(book.Quotes(request.RequestId, Now), Is.Empty, "neither was kept");

        // On cerebrum/1/offers a rejected message costs its sender (and relays) gossip score (P4).
        var gossip = OfferGossip.Parser.ParseFrom(MarketMessages.JobRequestGossip(requester, request));
        var cheaperRequest = request.Clone();
        cheaperRequest.MaxPricePerRequest = 1_000_000;
        gossip.JobRequest.Body = cheaperRequest.ToByteString();
        Assert.That(_validator.ValidateGossip(gossip.ToByteArray(), Now).Result, Is.EqualTo(ValidationResult.Reject));
        var elsewhere = request.Clone();
        elsewhere.ChainId = "other-chain";
        Assert.That(_validator.ValidateGossip(MarketMessages.JobRequestGossip(requester, elsewhere), Now).Result, Is.EqualTo(ValidationResult.Reject));
    }

    [Test]
    public async Task A_job_asks_for_quotes_before_it_picks_nodes_says_where_they_came_from_and_forgets_them_at_its_end()
    {
        using var directory = TemporaryDirectory.Create();
        await using var store = MarketStore.Open(Path.Combine(directory.Path, "data"), NullLogger.Instance);
        var input = Path.Combine(directory.Path, "inputs.jsonl");
        var output = Path.Combine(directory.Path, "results.jsonl");
        File.WriteAllLines(input, Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new { id = $"in-{i}", text = $"text {i}" })));
        var executor = new ScriptedJobExecutor(new JobNode("dear", 4, 30, JobNodeSource.Quote), new JobNode("cheap", 4, 10, JobNodeSource.Quote),
            new JobNode("heard", 4, 20, JobNodeSource.Offer));
        await using var jobs = new BatchJobs(store, executor, new JobLimits { MaxInFlightPerNode = 4 }, TimeProvider.System, NullLogger.Instance);
        jobs.Start();
        var id = (await jobs.SubmitAsync(new JobSubmission("minilm", input, output, null, null))).Id;
        await Poll.UntilAsync(() => jobs.Get(id)!.State != JobState.Running, TimeSpan.FromSeconds(30));
        var status = jobs.Get(id)!;
        var nodes = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("node").GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That((status.State, status.Done), Is.EqualTo((JobState.Done, 40)));
            Assert.That(executor.Solicited.FirstOrDefault(), Is.EqualTo(40), "quotes asked for every input, before the first was sent");
            Assert.That(executor.Ended, Is.EqualTo(new[] { id }), "its request forgotten at its end");
            Assert.That(nodes.Count(n => n == "cheap"), Is.GreaterThanOrEqualTo(nodes.Count(n => n == "dear")), "the cheapest node is filled first");
            Assert.That(status.Spent, Is.EqualTo((ulong)nodes.Sum(n => n == "cheap" ? 10 : n == "heard" ? 20 : 30)), "each input paid its node's price");
            Assert.That((status.QuotedNodes, status.OfferedNodes), Is.EqualTo((2, 1)), "40 inputs fill all three nodes' 4 slots at the start");
        });
    }

    [Test]
    public async Task Newcomers_get_inputs_first_only_for_their_share_and_otherwise_only_when_no_other_node_can_take_one()
    {
        using var directory = TemporaryDirectory.Create();
        await using var store = MarketStore.Open(Path.Combine(directory.Path, "data"), NullLogger.Instance);
        var input = Path.Combine(directory.Path, "inputs.jsonl");
        var output = Path.Combine(directory.Path, "results.jsonl");
        File.WriteAllLines(input, Enumerable.Range(0, 200).Select(i => JsonSerializer.Serialize(new { id = $"in-{i}", text = $"text {i}" })));
        // The newcomer is cheaper; without a share it would take everything it can.
        var executor = new ScriptedJobExecutor(new JobNode("active", 256, 20), new JobNode("newcomer", 256, 10, Newcomer: true)) { RegisteredShare = 0.25 };
        await using var jobs = new BatchJobs(store, executor, new JobLimits { MaxInFlightPerNode = 256 }, TimeProvider.System, NullLogger.Instance);
        jobs.Start();
        var id = (await jobs.SubmitAsync(new JobSubmission("minilm", input, output, null, null))).Id;
        await Poll.UntilAsync(() => jobs.Get(id)!.State != JobState.Running, TimeSpan.FromSeconds(30));
        var newcomer = File.ReadAllLines(output).Count(l => JsonDocument.Parse(l).RootElement.GetProperty("node").GetString() == "newcomer");
        Assert.That(newcomer, Is.EqualTo(50), "a quarter of the 200 inputs (all assigned at once, the active node having slots for all)");
    }
}
