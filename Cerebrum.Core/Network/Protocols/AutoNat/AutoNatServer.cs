using Cerebrum.Core.Network.Multiaddr;
using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;

namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// The AutoNAT v1 server's decisions, without I/O: whether to serve a request and which addresses to dial back.
/// It dials only addresses on the IP the asker was observed at (so nobody can aim our dials at a third party, RFC 3489
/// 12.1.1), never for a relayed connection (whose IP is the relay's), within per-peer, per-IP and global rate limits
/// and a cap on dial-backs in flight. The I/O edge reads the request, calls <see cref="Admit"/>, dials
/// <see cref="AutoNatAdmission.DialTargets"/> (each ending in the asker's <c>/p2p</c> ID, so the handshake proves it is
/// the asker), and writes the bytes <see cref="Complete"/> returns. Thread-safe.
/// </summary>
public sealed class AutoNatServer
{
    private readonly Lock _gate = new();
    private readonly AutoNatServerOptions _options;
    private readonly KeyedRateLimiter<bool> _global;
    private readonly KeyedRateLimiter<PeerId> _perPeer;
    private readonly KeyedRateLimiter<IPAddress> _perIp;
    private int _inFlight;

    public AutoNatServer(AutoNatServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _global = new KeyedRateLimiter<bool>(options.MaxRequestsPerWindow, options.RateWindow, 1);
        _perPeer = new KeyedRateLimiter<PeerId>(options.MaxRequestsPerPeerPerWindow, options.RateWindow, options.MaxRequestsPerWindow);
        _perIp = new KeyedRateLimiter<IPAddress>(options.MaxRequestsPerIpPerWindow, options.RateWindow, options.MaxRequestsPerWindow);
    }

    public AutoNatServerOptions Options => _options;

    /// <summary>Dial-backs admitted and not yet completed.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
                return _inFlight;
        }
    }

    /// <summary>
    /// Decides on a request from <paramref name="asker"/>, seen at <paramref name="observed"/> (the connection's remote
    /// address). Either a refusal whose <see cref="AutoNatAdmission.Response"/> is sent as it is, or a dial-back whose
    /// <see cref="Complete"/> must be called once, whatever happens to the dials.
    /// </summary>
    public AutoNatAdmission Admit(PeerId asker, Multiaddress observed, bool relayed, ReadOnlySpan<byte> request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(asker);
        ArgumentNullException.ThrowIfNull(observed);
        AutoNatDialRequest parsed;
        try
        {
            parsed = AutoNatMessages.ParseDialRequest(request);
        }
        catch (FormatException e)
        {
            return AutoNatAdmission.Refuse(AutoNatStatus.BadRequest, e.Message);
        }
        if (parsed.Peer != asker)
            return AutoNatAdmission.Refuse(AutoNatStatus.BadRequest, "the request names another peer than the one asking");
        if (relayed)
            return AutoNatAdmission.Refuse(AutoNatStatus.DialRefused, "no dial-back for a relayed connection: its IP is the relay's");
        if (AddressScope.IpOf(observed) is not { } observedIp)
            return AutoNatAdmission.Refuse(AutoNatStatus.DialRefused, "the asker's IP is unknown");
        if (observedIp.IsIPv4MappedToIPv6)
            observedIp = observedIp.MapToIPv4();
        if (!_options.AllowNonPublicAddresses && !AddressScope.IsPublic(observedIp))
            return AutoNatAdmission.Refuse(AutoNatStatus.DialRefused, "the asker is not seen at a public IP");

        var targets = DialTargets(parsed, observedIp);
        if (targets.Count == 0)
            return AutoNatAdmission.Refuse(AutoNatStatus.DialRefused, "no TCP address on the IP the request came from");

        lock (_gate)
        {
            // The per-key limits first, so a flooding peer or IP does not use up the global budget.
            if (!_perPeer.TryAcquire(asker, now) || !_perIp.TryAcquire(observedIp, now) || !_global.TryAcquire(true, now))
                return AutoNatAdmission.Refuse(AutoNatStatus.DialRefused, "rate limited");
            if (_inFlight >= _options.MaxConcurrentDialBacks)
                return AutoNatAdmission.Refuse(AutoNatStatus.DialRefused, "too many dial-backs in progress");
            _inFlight++;
        }
        return AutoNatAdmission.DialBack(targets);
    }

    /// <summary>
    /// Ends an admitted dial-back: <paramref name="reached"/> is the target that connected, or null when none did.
    /// Returns the response to send. Calling it again for the same admission returns the same kind of answer without
    /// releasing the slot twice.
    /// </summary>
    public byte[] Complete(AutoNatAdmission admission, Multiaddress? reached)
    {
        ArgumentNullException.ThrowIfNull(admission);
        if (admission.Response is not null)
            throw new ArgumentException("a refused request has nothing to complete", nameof(admission));
        if (admission.MarkCompleted())
        {
            lock (_gate)
                _inFlight--;
        }
        if (reached is null)
            return AutoNatMessages.EncodeDialResponse(AutoNatStatus.DialError, "dial back failed");
        if (!admission.DialTargets.Contains(reached))
            throw new ArgumentException($"{reached} was not a dial target of this request", nameof(reached));
        return AutoNatMessages.EncodeDialResponse(AutoNatStatus.Ok, string.Empty, reached.WithoutPeerId());
    }

    /// <summary>
    /// The addresses to dial: the asker's TCP addresses on its observed IP, and, for its non-public addresses (where it
    /// listens behind a NAT), the same port on the observed IP, which reaches it if the NAT forwards or preserves the
    /// port. Every target is on the observed IP. Ordered as the asker listed them, without duplicates, capped.
    /// </summary>
    private List<Multiaddress> DialTargets(AutoNatDialRequest request, IPAddress observedIp)
    {
        var targets = new List<Multiaddress>();
        foreach (var address in request.Addresses)
        {
            if (targets.Count >= _options.MaxAddressesPerDialBack)
                break;
            if (!AddressScope.IsDirectTcp(address) || !address.TryGetTcpEndpoint(out _, out var port, out _, out _))
                continue;
            if (address.PeerId is { } named && named != request.Peer)
                continue;
            var ip = AddressScope.IpOf(address)!;
            if (ip.IsIPv4MappedToIPv6)
                ip = ip.MapToIPv4();
            Multiaddress target;
            if (ip.Equals(observedIp))
                target = address.WithPeerId(request.Peer);
            else if (!AddressScope.IsPublic(ip) && ip.AddressFamily == observedIp.AddressFamily)
                target = Multiaddress.FromEndPoint(new IPEndPoint(observedIp, port)).WithPeerId(request.Peer);
            else
                continue; // another public IP: somebody else's machine, perhaps
            if (!targets.Contains(target))
                targets.Add(target);
        }
        return targets;
    }
}
