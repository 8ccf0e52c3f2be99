namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// How many data bytes the peer currently allows this side to send on one stream (pure, not thread-safe).
/// Starts at the spec's 256 KiB; grows by WindowUpdate deltas (including the one riding on SYN/ACK).
/// </summary>
internal sealed class YamuxSendWindow
{
    // The peer can announce at most a uint32 at a time; clamping the sum keeps arithmetic sane against absurd grants.
    private const long Ceiling = uint.MaxValue;

    public YamuxSendWindow(long initial = YamuxReceiveWindow.SpecInitialWindow) => Available = initial;

    public long Available { get; private set; }

    /// <summary>Takes up to <paramref name="wanted"/> bytes of window; returns how many were granted (0 when exhausted).</summary>
    public int Reserve(int wanted)
    {
        var granted = (int)Math.Min(wanted, Available);
        if (granted > 0)
            Available -= granted;
        return granted;
    }

    /// <summary>Returns window reserved for a send that did not happen.</summary>
    public void Unreserve(int count) => Available = Math.Min(Ceiling, Available + count);

    /// <summary>Applies a WindowUpdate delta; returns true when the window went from empty to non-empty (a blocked writer can resume).</summary>
    public bool Grow(uint delta)
    {
        var wasEmpty = Available == 0;
        Available = Math.Min(Ceiling, Available + delta);
        return wasEmpty && Available > 0;
    }
}
