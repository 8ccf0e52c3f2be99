using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// Nodes claiming the same hardware form a class (the claimed hardware text, lower-cased and trimmed); the ledger keeps
/// an integer moving average of the class's attested throughput, and scores each node against it.
/// </summary>
public static class HardwareClasses
{
    public const int MaxKeyLength = 64;

    public static string KeyOf(string hardware)
    {
        var key = hardware.Trim().ToLowerInvariant().Replace('/', '_');
        if (key.Length == 0) key = "unknown";
        return key.Length > MaxKeyLength ? key[..MaxKeyLength] : key;
    }

    /// <summary>Adds one attested throughput to the class's average and returns the node's per-mille of the new average.</summary>
    public static uint Record(StateOverlay state, string hardware, ulong throughputMflops, uint smoothing)
    {
        var key = KeyOf(hardware);
        var current = state.GetHardwareClass(key) ?? new HardwareClassState();
        current.ThroughputMflops = current.Samples == 0
            ? throughputMflops
            : (ulong)(((UInt128)current.ThroughputMflops * (smoothing - 1) + throughputMflops) / smoothing);
        current.Samples = checked(current.Samples + 1);
        state.SetHardwareClass(key, current);
        return current.ThroughputMflops == 0 ? 0 : (uint)Math.Min(10_000UL, (ulong)((UInt128)throughputMflops * 1000 / current.ThroughputMflops));
    }
}
