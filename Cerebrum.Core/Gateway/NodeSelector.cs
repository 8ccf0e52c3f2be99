using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Power of two choices: of the routes that can take a request now (circuit not open, under the outstanding limit, not
/// tried already for this request), two are drawn at random and the one with the lower expected wait wins, (outstanding
/// + 1) × latency moving average ÷ the node's reputation weight (<see cref="RouteStanding.Weight"/>), then the lower
/// price. Cheap, and it avoids the herd that always picking the best node causes. Verified (Active) nodes are drawn
/// from first; Registered newcomers (in the table only when a share is set) first for that share of requests, and
/// otherwise only when no verified node can take the request. The random source is injected so that tests are
/// deterministic.
/// </summary>
public sealed class NodeSelector
{
    private readonly Random _random;
    private readonly Lock _randomGate = new(); // Random instances other than Random.Shared are not thread-safe

    public NodeSelector(Random? random = null) => _random = random ?? Random.Shared;

    /// <summary>Picks a route and claims one outstanding slot on it (and the probe of a half-open circuit); null when none can take the request.</summary>
    /// <param name="exclude">Nodes already tried for this request.</param>
    /// <param name="registeredShare">Share of requests offered first to Registered (not yet verified) routes.</param>
    public NodeRoute? Select(IReadOnlyList<NodeRoute> routes, IReadOnlySet<PeerId> exclude, int maxOutstanding, DateTimeOffset now, double registeredShare = 0)
    {
        var verified = new List<NodeRoute>(routes.Count);
        var newcomers = new List<NodeRoute>();
        foreach (var route in routes)
        {
            if (!exclude.Contains(route.Node) && route.Outstanding < maxOutstanding && route.Breaker.IsAvailable(now))
                (route.Standing.Verified ? verified : newcomers).Add(route);
        }
        if (newcomers.Count == 0) return Claim(verified, maxOutstanding, now);
        bool newcomersFirst;
        lock (_randomGate) newcomersFirst = _random.NextDouble() < registeredShare;
        return newcomersFirst
            ? Claim(newcomers, maxOutstanding, now) ?? Claim(verified, maxOutstanding, now)
            : Claim(verified, maxOutstanding, now) ?? Claim(newcomers, maxOutstanding, now);
    }

    private NodeRoute? Claim(List<NodeRoute> eligible, int maxOutstanding, DateTimeOffset now)
    {
        // A claim can lose a race with another request; then the next candidate is drawn from the rest.
        while (eligible.Count > 0)
        {
            var choice = Choose(eligible);
            if (choice.TryBegin(maxOutstanding))
            {
                if (choice.Breaker.TryAcquire(now)) return choice;
                choice.End();
            }
            eligible.Remove(choice);
        }
        return null;
    }

    private NodeRoute Choose(List<NodeRoute> eligible)
    {
        if (eligible.Count == 1) return eligible[0];
        int first, second;
        lock (_randomGate)
        {
            first = _random.Next(eligible.Count);
            second = _random.Next(eligible.Count - 1);
        }
        if (second >= first) second++;
        var (a, b) = (eligible[first], eligible[second]);
        var (costA, costB) = (Cost(a), Cost(b));
        if (costA != costB) return costA < costB ? a : b;
        return a.PricePerRequest <= b.PricePerRequest ? a : b;
    }

    private static double Cost(NodeRoute route) => (route.Outstanding + 1) * route.Latency.TotalMilliseconds / route.Standing.Weight;
}
