namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>What a host's <see cref="AutoNatService"/> does: serve dial-backs to others, and learn our own reachability.</summary>
public sealed record AutoNatServiceOptions
{
    /// <summary>Serve <c>/libp2p/autonat/1.0.0</c> (dial askers back within <see cref="Server"/>'s limits).</summary>
    public bool EnableServer { get; init; } = true;

    /// <summary>Ask connected servers about our own addresses; off when the operator has said what we are.</summary>
    public bool EnableClient { get; init; } = true;

    public AutoNatServerOptions Server { get; init; } = new();

    public AutoNatClientOptions Client { get; init; } = new();

    /// <summary>How often the client checks whether a probe round is due (a newly identified server also prompts it).</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Server);
        ArgumentNullException.ThrowIfNull(Client);
        Server.Validate();
        Client.Validate();
        if (CheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("CheckInterval must be positive");
    }
}
