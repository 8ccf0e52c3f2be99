namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>How the AutoNAT client asks and how it weighs the answers.</summary>
public sealed record AutoNatClientOptions
{
    /// <summary>
    /// Distinct servers that must agree (and outnumber those that disagree) before the status changes. The spec says
    /// "more than 3"; 3 lets a small network (a devnet, a handful of seeds) reach a verdict at all.
    /// </summary>
    public int Confirmations { get; init; } = 3;

    /// <summary>How long a server's answer counts; after that it is asked again or forgotten.</summary>
    public TimeSpan ResultLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Servers whose latest answers are kept (the oldest answer goes first).</summary>
    public int MaxServers { get; init; } = 16;

    /// <summary>Pause between probe rounds while the status is unknown.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Pause between probe rounds once the status is known.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Servers asked in one round.</summary>
    public int ServersPerRound { get; init; } = 4;

    /// <summary>A server is not asked again sooner than this.</summary>
    public TimeSpan ServerCooldown { get; init; } = TimeSpan.FromMinutes(2);

    /// <exception cref="ArgumentException">A count below 1 or a duration that is not positive.</exception>
    public void Validate()
    {
        if (Confirmations < 1 || MaxServers < Confirmations || ServersPerRound < 1)
            throw new ArgumentException("AutoNAT client counts must be at least 1, and MaxServers at least Confirmations");
        if (ResultLifetime <= TimeSpan.Zero || RetryInterval <= TimeSpan.Zero || RefreshInterval <= TimeSpan.Zero || ServerCooldown < TimeSpan.Zero)
            throw new ArgumentException("AutoNAT client durations must be positive");
    }
}
