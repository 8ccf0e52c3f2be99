using System.Collections.Concurrent;
using System.Text;
using Cerebrum.Core.Consensus;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// An application for tests: proposes "h{height} r{round} by {name} #{n}", calls a value invalid when it starts with
/// "invalid", keeps one validator set schedule (genesis set, then <see cref="ValidatorSet.Next"/> per height) and
/// records decisions.
/// </summary>
internal sealed class TestApplication(string name, ValidatorSchedule validators) : IConsensusApplication
{
    private int _proposals;

    public ConcurrentDictionary<long, (byte[] Value, Commit Commit)> Decided { get; } = new();

    public Func<long, int, byte[]>? ProposeOverride { get; set; }

    /// <summary>PBTS: the time a value carries; null (the default) gives values no time, so no timeliness check.</summary>
    public Func<byte[], DateTimeOffset?>? TimeOf { get; set; }

    public SynchronyParams Synchrony { get; set; } = SynchronyParams.Default;

    /// <summary>The clock readings the machine fed <see cref="ProposeValue"/>.</summary>
    public ConcurrentQueue<DateTimeOffset> ProposedAt { get; } = new();

    public event Action<long>? DecidedHeight;

    public byte[] ProposeValue(long height, int round, DateTimeOffset now)
    {
        ProposedAt.Enqueue(now);
        return ProposeOverride?.Invoke(height, round) ?? Encoding.UTF8.GetBytes($"h{height} r{round} by {name} #{Interlocked.Increment(ref _proposals)}");
    }

    public DateTimeOffset? GetValueTime(ReadOnlySpan<byte> value) => TimeOf?.Invoke(value.ToArray());

    public SynchronyParams GetSynchrony(long height) => Synchrony;

    public ValueVerdict ValidateValue(long height, ReadOnlySpan<byte> value) =>
        value.StartsWith("invalid"u8) ? ValueVerdict.Invalid : ValueVerdict.Valid;

    public ValidatorSet GetValidators(long height) => validators.At(height);

    public void OnDecided(long height, ReadOnlyMemory<byte> value, Commit commit)
    {
        Decided[height] = (value.ToArray(), commit);
        DecidedHeight?.Invoke(height);
    }
}

/// <summary>The validator sets of consecutive heights from one genesis set, shared by all nodes of a test.</summary>
internal sealed class ValidatorSchedule(ValidatorSet genesis)
{
    private readonly List<ValidatorSet> _sets = [genesis];

    public ValidatorSet At(long height)
    {
        lock (_sets)
        {
            while (_sets.Count < height) _sets.Add(_sets[^1].Next());
            return _sets[(int)height - 1];
        }
    }
}
