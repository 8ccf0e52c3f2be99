using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>A decided value with its commit: lets a validator that missed the precommits of a height decide it too.</summary>
public sealed class Decision : ConsensusMessage
{
    private readonly byte[] _value;

    public Decision(ReadOnlySpan<byte> value, Commit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        _value = value.ToArray();
        Commit = commit;
    }

    public override long Height => Commit.Height;

    public ReadOnlyMemory<byte> Value => _value;

    public Commit Commit { get; }

    public override long Size => 64 + _value.Length + Commit.Signatures.Sum(s => 16L + s.Validator.Bytes.Length + s.Signature.Length);

    internal Proto.Decision ToProto() => new() { Value = ByteString.CopyFrom(_value), Commit = Commit.ToProto() };

    internal static Decision FromProto(Proto.Decision d) =>
        new(d.Value.Span, Commit.FromProto(d.Commit ?? throw new FormatException("decision has no commit")));
}
