namespace Cerebrum.Core.Verification;

/// <summary>
/// The node's cap on the capacity all validators' checks may take: the compute time of the checks it ran in the last
/// <see cref="Window"/> may not exceed <see cref="MaxShare"/> of it. Validators pace themselves to 2 %; the node refuses
/// above its cap (5 % by default), so no validator can make it spend more. Thread-safe.
/// </summary>
public sealed class ChallengeBudget
{
    private readonly Queue<(long At, TimeSpan Spent)> _runs = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private TimeSpan _spent;

    public ChallengeBudget(TimeProvider time, double maxShare = 0.05, TimeSpan? window = null)
    {
        if (maxShare is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(maxShare), "a share in (0, 1]");
        _time = time;
        MaxShare = maxShare;
        Window = window ?? TimeSpan.FromMinutes(10);
    }

    public double MaxShare { get; }

    public TimeSpan Window { get; }

    /// <summary>Compute time spent on checks within the window.</summary>
    public TimeSpan Spent
    {
        get
        {
            lock (_gate)
            {
                Expire();
                return _spent;
            }
        }
    }

    /// <summary>Whether a check that will take about <paramref name="expected"/> fits under the cap now.</summary>
    public bool Allows(TimeSpan expected)
    {
        lock (_gate)
        {
            Expire();
            return _spent + expected <= Window * MaxShare;
        }
    }

    /// <summary>Counts a check's compute time.</summary>
    public void Record(TimeSpan spent)
    {
        lock (_gate)
        {
            _runs.Enqueue((_time.GetTimestamp(), spent));
            _spent += spent;
        }
    }

    private void Expire()
    {
        while (_runs.TryPeek(out var run) && _time.GetElapsedTime(run.At) > Window)
        {
            _runs.Dequeue();
            _spent -= run.Spent;
        }
    }
}
