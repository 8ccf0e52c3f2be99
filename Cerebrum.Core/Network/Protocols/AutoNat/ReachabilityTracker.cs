using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// The AutoNAT client's state, without I/O: the latest answer of each server that dialled us back (or failed to), the
/// reachability they add up to, the addresses servers reached, and when to ask again. Only <see cref="AutoNatStatus.Ok"/>
/// and <see cref="AutoNatStatus.DialError"/> are evidence; refusals and errors say nothing about us. One server counts
/// once however often it answers, so a single liar cannot decide the status; it changes when
/// <see cref="AutoNatClientOptions.Confirmations"/> servers agree and outnumber the others, and otherwise stays where it
/// was while some evidence still supports it (no flapping on one odd answer). Thread-safe.
/// </summary>
public sealed class ReachabilityTracker
{
    private readonly Lock _gate = new();
    private readonly AutoNatClientOptions _options;
    private readonly Dictionary<PeerId, Answer> _answers = [];
    private readonly Dictionary<PeerId, DateTimeOffset> _asked = [];
    private Reachability _status = Reachability.Unknown;
    private DateTimeOffset _nextProbe = DateTimeOffset.MinValue;

    public ReachabilityTracker(AutoNatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Raised (outside the lock) when <see cref="Status"/> changes.</summary>
    public event Action<Reachability>? StatusChanged;

    public Reachability Status
    {
        get
        {
            lock (_gate)
                return _status;
        }
    }

    /// <summary>
    /// How firmly the answers back <see cref="Status"/>: live agreeing answers minus disagreeing ones, at most
    /// <see cref="AutoNatClientOptions.Confirmations"/>; 0 while unknown.
    /// </summary>
    public int Confidence(DateTimeOffset now)
    {
        lock (_gate)
        {
            var (ok, failed) = Tally(now);
            var margin = _status switch
            {
                Reachability.Public => ok - failed,
                Reachability.Private => failed - ok,
                _ => 0,
            };
            return Math.Clamp(margin, 0, _options.Confirmations);
        }
    }

    /// <summary>Addresses live answers said were reached, most recent first.</summary>
    public IReadOnlyList<Multiaddress> ConfirmedAddresses(DateTimeOffset now)
    {
        lock (_gate)
        {
            return [.. _answers.Values
                .Where(a => a.Reachable && a.Address is not null && now - a.At < _options.ResultLifetime)
                .OrderByDescending(a => a.At)
                .Select(a => a.Address!)
                .Distinct()];
        }
    }

    /// <summary>True when a probe round is due.</summary>
    public bool ProbeDue(DateTimeOffset now)
    {
        lock (_gate)
            return now >= _nextProbe;
    }

    /// <summary>Our addresses changed: what servers said about the old ones no longer holds, so ask again now.</summary>
    public void AddressesChanged()
    {
        lock (_gate)
        {
            _nextProbe = DateTimeOffset.MinValue;
            _asked.Clear();
        }
    }

    /// <summary>
    /// Starts a probe round: picks up to <see cref="AutoNatClientOptions.ServersPerRound"/> of <paramref name="candidates"/>
    /// (peers that serve AutoNAT over a direct connection) not asked within the cooldown, and schedules the next round.
    /// </summary>
    public IReadOnlyList<PeerId> StartRound(IEnumerable<PeerId> candidates, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        lock (_gate)
        {
            foreach (var (peer, at) in _asked.ToList())
                if (now - at >= _options.ServerCooldown)
                    _asked.Remove(peer);
            var picked = new List<PeerId>();
            foreach (var peer in candidates)
            {
                if (picked.Count >= _options.ServersPerRound)
                    break;
                if (_asked.ContainsKey(peer) || picked.Contains(peer))
                    continue;
                picked.Add(peer);
                _asked[peer] = now;
            }
            _nextProbe = now + (_status == Reachability.Unknown ? _options.RetryInterval : _options.RefreshInterval);
            return picked;
        }
    }

    /// <summary>Takes <paramref name="server"/>'s answer into account; returns the status afterwards.</summary>
    public Reachability Record(PeerId server, AutoNatDialResponse response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(response);
        if (response.Status is not (AutoNatStatus.Ok or AutoNatStatus.DialError))
            return Status;
        Reachability before, after;
        lock (_gate)
        {
            before = _status;
            _answers[server] = new Answer(response.Status == AutoNatStatus.Ok, response.Address, now);
            while (_answers.Count > _options.MaxServers)
                _answers.Remove(_answers.MinBy(a => a.Value.At).Key);
            _status = after = Decide(now);
        }
        if (after != before)
            StatusChanged?.Invoke(after);
        return after;
    }

    /// <summary>Drops answers older than the result lifetime; returns the status afterwards.</summary>
    public Reachability Expire(DateTimeOffset now)
    {
        Reachability before, after;
        lock (_gate)
        {
            before = _status;
            foreach (var (peer, answer) in _answers.ToList())
                if (now - answer.At >= _options.ResultLifetime)
                    _answers.Remove(peer);
            _status = after = Decide(now);
        }
        if (after != before)
            StatusChanged?.Invoke(after);
        return after;
    }

    private Reachability Decide(DateTimeOffset now)
    {
        var (ok, failed) = Tally(now);
        var needed = _options.Confirmations;
        if (ok >= needed && ok > failed)
            return Reachability.Public;
        if (failed >= needed && failed > ok)
            return Reachability.Private;
        // Short of a verdict: keep the current one while live answers still lean its way.
        return _status switch
        {
            Reachability.Public when ok > 0 && ok >= failed => Reachability.Public,
            Reachability.Private when failed > 0 && failed >= ok => Reachability.Private,
            _ => Reachability.Unknown,
        };
    }

    private (int Ok, int Failed) Tally(DateTimeOffset now)
    {
        int ok = 0, failed = 0;
        foreach (var answer in _answers.Values)
        {
            if (now - answer.At >= _options.ResultLifetime)
                continue;
            if (answer.Reachable) ok++;
            else failed++;
        }
        return (ok, failed);
    }

    private readonly record struct Answer(bool Reachable, Multiaddress? Address, DateTimeOffset At);
}
