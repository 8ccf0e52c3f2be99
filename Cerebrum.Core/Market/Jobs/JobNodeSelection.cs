using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;

namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// Which nodes a job uses: those that quoted its request, when any usable quote came (unexpired, at no more than the
/// job's maximum price, from a node the requester admits for the quoted model hash), each at its quoted price and
/// slots; otherwise the nodes heard in offers and heartbeats (already admitted by the caller). Either way best first:
/// cheapest, then fastest measured (a node not yet measured first, so that it gets measured), then highest reputation.
/// </summary>
public static class JobNodeSelection
{
    /// <param name="quotes">The quotes for the job's open request (e.g. <c>QuoteBook.Quotes</c>).</param>
    /// <param name="heard">The nodes heard in offers and heartbeats, with their standing: the fallback.</param>
    /// <param name="admit">A quoting node's standing when the requester admits it for the model hash it quoted; null refuses it.</param>
    /// <param name="slots">How many inputs a node may run at once given what it announced (the caller's bound and its in-flight count).</param>
    public static IReadOnlyList<JobNode> Select(IReadOnlyList<VerifiedQuote> quotes, IReadOnlyList<(JobNode Node, JobNodeStanding Standing)> heard, ulong? maxPrice,
        DateTimeOffset now, Func<PeerId, string, JobNodeStanding?> admit, Func<PeerId, uint, int> slots)
    {
        var quoted = new List<(JobNode, JobNodeStanding)>(quotes.Count);
        var seen = new HashSet<PeerId>();
        foreach (var quote in quotes)
        {
            if (quote.Expires <= now || (maxPrice is { } max && quote.Quote.PricePerRequest > max) || !seen.Add(quote.Node)) continue;
            if (admit(quote.Node, quote.Quote.ModelHash) is not { } standing) continue;
            quoted.Add((new JobNode(quote.Node.ToString(), slots(quote.Node, quote.Quote.Slots), quote.Quote.PricePerRequest, JobNodeSource.Quote, standing.Newcomer), standing));
        }
        return Rank(quoted.Count > 0 ? quoted : heard.Where(h => maxPrice is not { } max || h.Node.Price <= max));
    }

    /// <summary>Cheapest first, then fastest measured (unmeasured first), then highest reputation, then by peer ID (a stable order).</summary>
    public static IReadOnlyList<JobNode> Rank(IEnumerable<(JobNode Node, JobNodeStanding Standing)> nodes) =>
    [
        .. nodes.OrderBy(n => n.Node.Price)
            .ThenBy(n => n.Standing.Latency ?? TimeSpan.Zero)
            .ThenByDescending(n => n.Standing.ReputationPpm)
            .ThenBy(n => n.Node.PeerId, StringComparer.Ordinal)
            .Select(n => n.Node),
    ];
}
