using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Crypto;

/// <summary>
/// The two-field protobuf shared by libp2p's PublicKey and PrivateKey messages. Written by hand because the
/// spec demands one deterministic encoding: field 1 then field 2, both always present, minimal varints.
/// </summary>
internal static class KeyEncoding
{
    public static byte[] Encode(KeyType type, ReadOnlySpan<byte> data)
    {
        var lengthSize = Varint.GetLength((ulong)data.Length);
        var result = new byte[2 + 1 + lengthSize + data.Length];
        result[0] = 0x08; // field 1, varint
        result[1] = (byte)type;
        result[2] = 0x12; // field 2, length-delimited
        Varint.Write((ulong)data.Length, result.AsSpan(3));
        data.CopyTo(result.AsSpan(3 + lengthSize));
        return result;
    }

    public static KeyType Decode(ReadOnlySpan<byte> encoded, out ReadOnlySpan<byte> data)
    {
        KeyType? type = null;
        data = default;
        var haveData = false;
        var i = 0;
        while (i < encoded.Length)
        {
            var tag = Varint.Read(encoded[i..], out var n);
            i += n;
            switch (tag)
            {
                case 0x08:
                    var t = Varint.Read(encoded[i..], out n);
                    i += n;
                    if (t > 3) throw new FormatException($"unknown key type {t}");
                    type = (KeyType)t;
                    break;
                case 0x12:
                    var length = Varint.Read(encoded[i..], out n);
                    i += n;
                    if (length > (ulong)(encoded.Length - i)) throw new FormatException("key data is truncated");
                    data = encoded.Slice(i, (int)length);
                    i += (int)length;
                    haveData = true;
                    break;
                default:
                    throw new FormatException($"unexpected field tag 0x{tag:x} in key protobuf");
            }
        }
        if (type is null || !haveData)
            throw new FormatException("key protobuf lacks its Type or Data field");
        return type.Value;
    }
}
