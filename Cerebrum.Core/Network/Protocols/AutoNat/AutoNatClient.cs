using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// The AutoNAT client's rounds: when the tracker says a probe is due, ask the servers it picks (in parallel, each
/// within <see cref="AskTimeout"/>), feed it their answers and let old answers expire. Host-independent: asking goes
/// through a delegate the host implements with a stream (<see cref="AutoNatProtocol.AskAsync"/>); a server that cannot
/// be asked simply gives no evidence. Call <see cref="ProbeAsync"/> from the host's timer.
/// </summary>
public sealed class AutoNatClient
{
    private readonly ReachabilityTracker _tracker;
    private readonly Func<IReadOnlyList<PeerId>> _servers;
    private readonly Func<IReadOnlyList<Multiaddress>> _ourAddresses;
    private readonly Func<PeerId, IReadOnlyList<Multiaddress>, CancellationToken, Task<AutoNatDialResponse>> _ask;
    private readonly TimeProvider _time;

    /// <param name="tracker">The tally the answers go into.</param>
    /// <param name="servers">Peers that serve AutoNAT and are connected directly (a relayed connection cannot be dialled back), best first.</param>
    /// <param name="ourAddresses">The addresses to have tested (our listen and observed addresses).</param>
    /// <param name="ask">Asks one server; any exception means no answer.</param>
    /// <param name="time">The clock.</param>
    public AutoNatClient(ReachabilityTracker tracker, Func<IReadOnlyList<PeerId>> servers, Func<IReadOnlyList<Multiaddress>> ourAddresses,
        Func<PeerId, IReadOnlyList<Multiaddress>, CancellationToken, Task<AutoNatDialResponse>> ask, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(ourAddresses);
        ArgumentNullException.ThrowIfNull(ask);
        ArgumentNullException.ThrowIfNull(time);
        _tracker = tracker;
        _servers = servers;
        _ourAddresses = ourAddresses;
        _ask = ask;
        _time = time;
    }

    /// <summary>How long one server may take: its dial-back timeout (15 s by default) and some.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public Reachability Status => _tracker.Status;

    /// <summary>Runs a round if one is due; returns the servers that answered with evidence (OK or dial error).</summary>
    public async Task<int> ProbeAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        _tracker.Expire(now);
        if (!_tracker.ProbeDue(now))
            return 0;
        var addresses = _ourAddresses();
        if (addresses.Count == 0)
            return 0;
        var picked = _tracker.StartRound(_servers(), now);
        var answers = await Task.WhenAll(picked.Select(server => AskOneAsync(server, addresses, ct))).ConfigureAwait(false);
        var evidence = 0;
        for (var i = 0; i < picked.Count; i++)
        {
            if (answers[i] is not { } answer)
                continue;
            if (answer.Status is AutoNatStatus.Ok or AutoNatStatus.DialError)
                evidence++;
            _tracker.Record(picked[i], answer, _time.GetUtcNow());
        }
        return evidence;
    }

    private async Task<AutoNatDialResponse?> AskOneAsync(PeerId server, IReadOnlyList<Multiaddress> addresses, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(AskTimeout);
        try
        {
            return await _ask(server, addresses, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return null; // unreachable, refused the protocol, or too slow: no evidence either way
        }
    }
}
