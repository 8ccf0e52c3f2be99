using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// The unbonding entries of a state in order of release time, kept as the state changes, so that a block releases the
/// entries due at its time by reading only those (not every unbonding entry of every account).
/// </summary>
public sealed class UnbondingQueue
{
    private readonly SortedSet<(long ReleaseUnixMs, string Key)> _ordered = new(Comparer<(long ReleaseUnixMs, string Key)>.Create(
        (a, b) => a.ReleaseUnixMs != b.ReleaseUnixMs ? a.ReleaseUnixMs.CompareTo(b.ReleaseUnixMs) : string.CompareOrdinal(a.Key, b.Key)));
    private readonly Dictionary<string, long> _releases = new(StringComparer.Ordinal);

    public int Count => _releases.Count;

    /// <summary>The keys of the entries released at or before <paramref name="timeUnixMs"/>, earliest first.</summary>
    public IEnumerable<string> DueAt(long timeUnixMs)
    {
        foreach (var (release, key) in _ordered)
        {
            if (release > timeUnixMs) yield break;
            yield return key;
        }
    }

    internal void Set(string key, UnbondingState? entry)
    {
        if (_releases.Remove(key, out var old)) _ordered.Remove((old, key));
        if (entry is null) return;
        _releases[key] = entry.ReleaseTimeUnixMs;
        _ordered.Add((entry.ReleaseTimeUnixMs, key));
    }
}
