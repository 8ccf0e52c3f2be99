namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// How much of a scope's memory limit a reservation may fill: a reservation of priority p succeeds while the scope's
/// memory stays within limit × (p + 1) / 256 (go-libp2p's rule), so optional growth gives way before what a stream
/// cannot work without.
/// </summary>
public enum ReservationPriority : byte
{
    /// <summary>Up to about 40% of the limit: nice to have (e.g. a larger buffer).</summary>
    Low = 101,

    /// <summary>Up to about 60%: growth that speeds things up (Yamux's receive-window auto-tuning).</summary>
    Medium = 152,

    /// <summary>Up to about 80%: what a protocol handler needs to do its work (its message buffers).</summary>
    High = 203,

    /// <summary>The whole limit: what the protocol cannot run without (a stream's initial Yamux window).</summary>
    Always = 255,
}
