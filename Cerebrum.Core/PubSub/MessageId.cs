namespace Cerebrum.Core.PubSub;

/// <summary>A message id as opaque bytes, usable as a dictionary key.</summary>
public readonly struct MessageId : IEquatable<MessageId>
{
    private readonly byte[] _bytes;
    private readonly int _hash;

    public MessageId(byte[] bytes)
    {
        _bytes = bytes;
        // FNV-1a rather than HashCode (seeded per process): the same id hashes the same in every run.
        var h = 2166136261u;
        foreach (var b in bytes) h = (h ^ b) * 16777619u;
        _hash = (int)h;
    }

    public ReadOnlyMemory<byte> Bytes => _bytes ?? [];

    public byte[] ToArray() => (byte[])(_bytes ?? []).Clone();

    internal byte[] UnsafeArray => _bytes ?? [];

    public bool Equals(MessageId other) => _hash == other._hash && (_bytes ?? []).AsSpan().SequenceEqual(other._bytes ?? []);

    public override bool Equals(object? obj) => obj is MessageId other && Equals(other);

    public override int GetHashCode() => _hash;

    public override string ToString() => Convert.ToHexStringLower(_bytes ?? []);

    public static bool operator ==(MessageId a, MessageId b) => a.Equals(b);

    public static bool operator !=(MessageId a, MessageId b) => !a.Equals(b);
}

