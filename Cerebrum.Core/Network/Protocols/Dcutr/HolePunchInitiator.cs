using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>
/// DCUtR on the side that received the relayed connection (B in the spec), which opens the <c>/libp2p/dcutr</c> stream,
/// without I/O: each attempt sends CONNECT with our addresses and times the relay round trip until the answer; then it
/// sends SYNC and dials half a round trip later, so both dials leave together. Up to
/// <see cref="HolePunchOptions.MaxAttempts"/> attempts, each measuring afresh (one bad measurement does not spoil the
/// others). For the connection that results, the other side (A) is the client of the security handshake and we the
/// server, as the spec assigns. Not thread-safe: one stream drives it.
/// </summary>
public sealed class HolePunchInitiator
{
    private readonly HolePunchOptions _options;
    private readonly IReadOnlyList<Multiaddress> _ourAddresses;
    private DateTimeOffset? _connectSentAt;

    /// <param name="ourAddresses">Our observed addresses to offer (filtered to the dialable ones).</param>
    /// <param name="options">Attempts and address policy.</param>
    public HolePunchInitiator(IEnumerable<Multiaddress> ourAddresses, HolePunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(ourAddresses);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ourAddresses = [.. ourAddresses.Where(a => HolePunchMessages.Dialable(a, options.AllowNonPublicAddresses)).Distinct().Take(HolePunchMessages.MaxAddresses)];
    }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>True when another attempt may start.</summary>
    public bool CanRetry => Attempts < _options.MaxAttempts;

    /// <summary>We have nothing the other side could dial: hole punching cannot work from here.</summary>
    public bool HasNoAddresses => _ourAddresses.Count == 0;

    /// <summary>
    /// Before any attempt: when the other side already advertises dialable addresses, a plain direct dial to them may
    /// succeed without coordination (the spec's unilateral upgrade); these are the addresses to try.
    /// </summary>
    public IReadOnlyList<Multiaddress> UnilateralTargets(IEnumerable<Multiaddress> advertised)
    {
        ArgumentNullException.ThrowIfNull(advertised);
        return [.. advertised.Where(a => HolePunchMessages.Dialable(a, _options.AllowNonPublicAddresses)).Distinct().Take(HolePunchMessages.MaxAddresses)];
    }

    /// <summary>Starts an attempt: the CONNECT to send now.</summary>
    /// <exception cref="InvalidOperationException">No attempts left.</exception>
    public byte[] Start(DateTimeOffset now)
    {
        if (!CanRetry)
            throw new InvalidOperationException($"hole punching gave up after {Attempts} attempts");
        Attempts++;
        _connectSentAt = now;
        return HolePunchMessages.EncodeConnect(_ourAddresses);
    }

    /// <summary>
    /// The other side's CONNECT arrived at <paramref name="now"/>: what to send and when to dial. The plan has no
    /// targets when the other side offered nothing dialable (the attempt has then failed).
    /// </summary>
    /// <exception cref="FormatException">The answer is not a well-formed CONNECT.</exception>
    /// <exception cref="InvalidOperationException">No attempt is waiting for an answer.</exception>
    public HolePunchPlan OnConnect(ReadOnlySpan<byte> answer, DateTimeOffset now)
    {
        if (_connectSentAt is not { } sent)
            throw new InvalidOperationException("no CONNECT is waiting for an answer");
        var targets = HolePunchMessages.ParseConnect(answer, _options.AllowNonPublicAddresses);
        _connectSentAt = null;
        var rtt = now > sent ? now - sent : TimeSpan.Zero;
        return new HolePunchPlan(HolePunchMessages.EncodeSync(), now + rtt / 2, rtt, targets);
    }
}
