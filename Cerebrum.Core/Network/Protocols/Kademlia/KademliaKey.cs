using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// A point in the DHT's 256-bit keyspace: SHA-256 of a key's bytes (a peer ID's multihash bytes, a provider key),
/// as the spec defines distance: XOR of the two hashes, compared as big-endian numbers.
/// </summary>
public readonly struct KademliaKey : IEquatable<KademliaKey>
{
    private readonly ulong _a, _b, _c, _d; // big-endian words, most significant first

    private KademliaKey(ulong a, ulong b, ulong c, ulong d) => (_a, _b, _c, _d) = (a, b, c, d);

    public static KademliaKey ForBytes(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key, hash);
        return FromHash(hash);
    }

    public static KademliaKey ForPeer(PeerId peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return ForBytes(peer.Bytes.Span);
    }

    /// <summary>A key from its 32 hash bytes as they are (for tests and bucket refresh targets).</summary>
    public static KademliaKey FromHash(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != 32)
            throw new ArgumentException("a keyspace point is 32 bytes", nameof(hash));
        return new KademliaKey(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]), BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
    }

    /// <summary>The XOR distance to <paramref name="other"/>, itself a point (compare distances with <see cref="CompareTo"/>).</summary>
    public KademliaKey Xor(KademliaKey other) => new(_a ^ other._a, _b ^ other._b, _c ^ other._c, _d ^ other._d);

    /// <summary>Leading bits shared with <paramref name="other"/>: 256 for itself.</summary>
    public int CommonPrefixLength(KademliaKey other)
    {
        var x = Xor(other);
        if (x._a != 0) return BitOperations.LeadingZeroCount(x._a);
        if (x._b != 0) return 64 + BitOperations.LeadingZeroCount(x._b);
        if (x._c != 0) return 128 + BitOperations.LeadingZeroCount(x._c);
        if (x._d != 0) return 192 + BitOperations.LeadingZeroCount(x._d);
        return 256;
    }

    /// <summary>Compares as 256-bit big-endian numbers (for distances: the smaller is closer).</summary>
    public int CompareTo(KademliaKey other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>
    /// The distance comparer toward <paramref name="target"/>: negative when <paramref name="x"/> is closer than
    /// <paramref name="y"/>.
    /// </summary>
    public static int CompareDistance(KademliaKey target, KademliaKey x, KademliaKey y) => target.Xor(x).CompareTo(target.Xor(y));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public bool Equals(KademliaKey other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is KademliaKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    public static bool operator ==(KademliaKey left, KademliaKey right) => left.Equals(right);

    public static bool operator !=(KademliaKey left, KademliaKey right) => !left.Equals(right);

    public override string ToString() => $"{_a:x16}{_b:x16}{_c:x16}{_d:x16}";
}
