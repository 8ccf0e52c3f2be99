using System.Buffers.Binary;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// Deterministic generator of hostile inputs for fuzz tests: random byte strings, and mutations of valid encodings
/// (bit flips, truncations, insertions, deletions, huge length fields, overlong varints, repeated ranges). Every choice
/// comes from the seeded <see cref="Random"/>, so a seed reproduces the exact sequence of inputs.
/// </summary>
internal sealed class ByteMutator(Random random)
{
    /// <summary>Length fields a decoder must refuse without trusting: the largest varints and 32-bit values.</summary>
    private static readonly byte[][] HugeVarints =
    [
        [0xFF, 0xFF, 0xFF, 0xFF, 0x07],                                     // 2^31 - 1
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],                                     // 2^32 - 1
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],       // 10 bytes (2^63)
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],       // 10 bytes (2^64 - 1)
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],             // 9 bytes (2^63 - 1)
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // 12 bytes, never ends sensibly
        [0x80, 0x00],                                                       // not minimal
    ];

    private static readonly byte[] Boundaries = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];

    /// <summary>Spliced into text: what JSON and text parsers stumble on.</summary>
    private static readonly string[] TextTokens =
    [
        "null", "\"\\ud800\"", "\"\\udc00x\"", "1e400", "-1", "18446744073709551616", "9223372036854775808", "0.5", "[]", "{}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\"\"", "true", "\0", "/", "%", "\uFFFD", "\uD800",
        ",", ":", "\"", "{\"a\":", "1", "AAAA", "====",
    ];

    public Random Random => random;

    /// <summary>Random bytes, 0 to <paramref name="maxLength"/> long.</summary>
    public byte[] RandomBytes(int maxLength)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One to three stacked mutations of <paramref name="valid"/>.</summary>
    public byte[] Mutate(ReadOnlySpan<byte> valid)
    {
        var bytes = valid.ToArray();
        var rounds = 1 + random.Next(3);
        for (var i = 0; i < rounds; i++)
            bytes = MutateOnce(bytes);
        return bytes;
    }

    /// <summary>Either random bytes (a quarter of the time) or a mutation of one of <paramref name="valid"/>.</summary>
    public byte[] Next(IReadOnlyList<byte[]> valid, int maxRandomLength)
    {
        if (valid.Count == 0 || random.Next(4) == 0)
            return RandomBytes(maxRandomLength);
        return Mutate(valid[random.Next(valid.Count)]);
    }

    /// <summary>
    /// A mutation of <paramref name="valid"/> text: byte-level mutations of its UTF-8 (decoded leniently), or a token
    /// that text and JSON parsers trip on (nulls, lone surrogate escapes, huge numbers, deep nesting) spliced in.
    /// </summary>
    public string MutateText(string valid)
    {
        if (random.Next(2) == 0)
            return System.Text.Encoding.UTF8.GetString(Mutate(System.Text.Encoding.UTF8.GetBytes(valid)));
        var at = random.Next(valid.Length + 1);
        var remove = at < valid.Length ? random.Next(Math.Min(12, valid.Length - at) + 1) : 0;
        return string.Concat(valid.AsSpan(0, at), TextTokens[random.Next(TextTokens.Length)], valid.AsSpan(at + remove));
    }

    private byte[] MutateOnce(byte[] bytes)
    {
        switch (random.Next(10))
        {
            case 0 when bytes.Length > 0: // flip one bit
                var bit = random.Next(bytes.Length * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                return bytes;
            case 1 when bytes.Length > 0: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 2: // insert random bytes
                return Splice(bytes, random.Next(bytes.Length + 1), 0, RandomChunk(1 + random.Next(8)));
            case 3 when bytes.Length > 0: // delete a range
                var start = random.Next(bytes.Length);
                return Splice(bytes, start, 1 + random.Next(Math.Min(8, bytes.Length - start)), []);
            case 4 when bytes.Length > 0: // overwrite a byte with a boundary value
                bytes[random.Next(bytes.Length)] = Boundaries[random.Next(Boundaries.Length)];
                return bytes;
            case 5: // replace a byte (often a length or tag) with a huge or overlong varint
                var at = random.Next(bytes.Length + 1);
                return Splice(bytes, at, at < bytes.Length ? 1 : 0, HugeVarints[random.Next(HugeVarints.Length)]);
            case 6 when bytes.Length >= 4: // a 32-bit big-endian field set to an extreme value
                var offset = random.Next(bytes.Length - 3);
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset), random.Next(2) == 0 ? uint.MaxValue : 0x7FFFFFFF);
                return bytes;
            case 7 when bytes.Length > 0: // repeat a range (repeated protobuf fields, duplicated frames)
                var from = random.Next(bytes.Length);
                var length = 1 + random.Next(bytes.Length - from);
                var copies = 1 + random.Next(3);
                var repeated = new byte[length * copies];
                for (var c = 0; c < copies; c++)
                    bytes.AsSpan(from, length).CopyTo(repeated.AsSpan(c * length));
                return Splice(bytes, from, 0, repeated);
            case 8 when bytes.Length > 0: // randomise a short range
                var rangeStart = random.Next(bytes.Length);
                var rangeLength = 1 + random.Next(Math.Min(4, bytes.Length - rangeStart));
                random.NextBytes(bytes.AsSpan(rangeStart, rangeLength));
                return bytes;
            case 9: // append garbage
                return [.. bytes, .. RandomChunk(1 + random.Next(16))];
            default:
                return [.. bytes, (byte)random.Next(256)];
        }
    }

    private byte[] RandomChunk(int length)
    {
        var chunk = new byte[length];
        random.NextBytes(chunk);
        return chunk;
    }

    private static byte[] Splice(byte[] bytes, int at, int remove, ReadOnlySpan<byte> insert) =>
        [.. bytes.AsSpan(0, at), .. insert, .. bytes.AsSpan(at + remove)];
}
