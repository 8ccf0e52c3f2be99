namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>Limits of the AutoNAT server: how much dialling others may make us do.</summary>
public sealed record AutoNatServerOptions
{
    /// <summary>Dial-backs in progress at once; further requests are refused until one ends.</summary>
    public int MaxConcurrentDialBacks { get; init; } = 8;

    /// <summary>The window the request limits below count in.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests served per window in total.</summary>
    public int MaxRequestsPerWindow { get; init; } = 60;

    /// <summary>Requests served per window for one peer.</summary>
    public int MaxRequestsPerPeerPerWindow { get; init; } = 4;

    /// <summary>Requests served per window for one observed IP (many peer IDs are free to make; IPs are not).</summary>
    public int MaxRequestsPerIpPerWindow { get; init; } = 8;

    /// <summary>Addresses dialled back for one request.</summary>
    public int MaxAddressesPerDialBack { get; init; } = 4;

    /// <summary>How long one dial-back may take.</summary>
    public TimeSpan DialBackTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Serve askers seen from non-public IPs and dial their non-public addresses (a LAN, a test network). Off on the
    /// internet: there a private address names some other machine.
    /// </summary>
    public bool AllowNonPublicAddresses { get; init; }

    /// <exception cref="ArgumentException">A limit that is not positive.</exception>
    public void Validate()
    {
        if (MaxConcurrentDialBacks < 1 || MaxRequestsPerWindow < 1 || MaxRequestsPerPeerPerWindow < 1 || MaxRequestsPerIpPerWindow < 1 || MaxAddressesPerDialBack < 1)
            throw new ArgumentException("AutoNAT server limits must be at least 1");
        if (RateWindow <= TimeSpan.Zero || DialBackTimeout <= TimeSpan.Zero)
            throw new ArgumentException("AutoNAT server durations must be positive");
    }
}
