namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>Checks value records of one key namespace (the spec's Validator): before storing and before believing.</summary>
public interface IRecordValidator
{
    /// <summary>The namespace, e.g. <c>pk</c> for keys starting <c>/pk/</c>.</summary>
    string Namespace { get; }

    /// <summary>Null when the record is valid, else why not.</summary>
    string? Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>The index of the best of <paramref name="values"/> (all valid); must be stable.</summary>
    int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values);
}
