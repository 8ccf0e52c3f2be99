using System.Text.Json;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validating;

/// <summary>
/// Keeps a validator from signing two different messages for one (height, round, step), also across restarts: the
/// last signed step is written durably to a small file before the message leaves. After a restart, anything at or
/// below that step is withheld unless this process signed exactly it (a rebroadcast); the validator simply sits out
/// those steps. Thread-safe.
/// </summary>
public sealed class LastSignedGuard
{
    private readonly string _path;
    private readonly PeerId _self;
    private readonly Lock _gate = new();
    private readonly Dictionary<SignedStep, byte[]> _signedHere = [];
    private SignedStep? _last;

    private LastSignedGuard(string path, PeerId self, SignedStep? last)
    {
        _path = path;
        _self = self;
        _last = last;
    }

    /// <summary>The last step signed (persisted), if any.</summary>
    public SignedStep? Last
    {
        get
        {
            lock (_gate) return _last;
        }
    }

    /// <summary>Loads the record at <paramref name="path"/> (none yet is fine).</summary>
    /// <exception cref="InvalidDataException">The file exists but is unreadable: refusing is safer than risking a double sign.</exception>
    public static LastSignedGuard Open(string path, PeerId self)
    {
        ArgumentNullException.ThrowIfNull(self);
        if (!File.Exists(path)) return new LastSignedGuard(path, self, null);
        try
        {
            var record = JsonSerializer.Deserialize<SignedStepRecord>(File.ReadAllText(path))
                ?? throw new InvalidDataException("empty");
            return new LastSignedGuard(path, self, new SignedStep(record.Height, record.Round, record.Step, Convert.FromHexString(record.ValueId)));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} (the last signed consensus step) is corrupt: {e.Message}; remove it only if this validator is sure it signed nothing at the current height", e);
        }
    }

    /// <summary>
    /// Whether <paramref name="message"/> may be sent: true for other signers' messages, for exact repeats of what
    /// this process signed, and for steps beyond the last signed one (which are persisted first).
    /// </summary>
    /// <exception cref="IOException">The step could not be persisted (the message must then not be sent).</exception>
    public bool TryAllow(ConsensusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        SignedStep step;
        switch (message)
        {
            case SignedProposal p when p.Proposer == _self:
                step = new SignedStep(p.Height, p.Round, 0, p.ValueId.ToArray());
                break;
            case SignedVote v when v.Validator == _self:
                step = new SignedStep(v.Height, v.Round, (int)v.Type, v.ValueId.ToArray());
                break;
            default:
                return true;
        }
        lock (_gate)
        {
            if (_signedHere.TryGetValue(step.WithoutValue, out var value))
                return value.AsSpan().SequenceEqual(step.ValueId);
            if (_last is { } last && SignedStep.Compare(step, last) <= 0)
                return false;
            Persist(step);
            _last = step;
            _signedHere[step.WithoutValue] = step.ValueId;
            // Only the current height's repeats matter.
            foreach (var old in _signedHere.Keys.Where(k => k.Height < step.Height - 1).ToList())
                _signedHere.Remove(old);
            return true;
        }
    }

    private void Persist(SignedStep step)
    {
        var temporary = _path + ".tmp";
        var json = JsonSerializer.SerializeToUtf8Bytes(new SignedStepRecord(step.Height, step.Round, step.Step, Convert.ToHexStringLower(step.ValueId)));
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(json);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, _path, overwrite: true);
    }

    private sealed record SignedStepRecord(long Height, int Round, int Step, string ValueId);
}
