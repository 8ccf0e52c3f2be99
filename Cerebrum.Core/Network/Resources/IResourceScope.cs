namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// Memory accounting of one connection, stream or service scope: reserve before allocating, release after freeing.
/// A reservation counts against this scope and every scope it belongs to (its connection, peer, IP, protocol, service,
/// the system), and succeeds only if all of them stay within their limits at its priority. Whatever is still reserved
/// when the scope is disposed is released then.
/// </summary>
public interface IResourceScope
{
    /// <summary>Reserves <paramref name="bytes"/>; false (and nothing reserved) when a limit would be exceeded.</summary>
    bool ReserveMemory(long bytes, ReservationPriority priority);

    /// <summary>Gives back <paramref name="bytes"/> reserved earlier through this scope.</summary>
    void ReleaseMemory(long bytes);
}
