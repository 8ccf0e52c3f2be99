using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Multiaddr;

/// <summary>
/// Converts one kind of multiaddr value between its text and binary forms. Both directions validate and throw
/// <see cref="FormatException"/> describing the value; the caller prefixes the protocol and position.
/// </summary>
internal sealed class MultiaddressValueCodec
{
    private const int MaxDomainNameBytes = 255;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Func<string, byte[]> _parse;
    private readonly Func<byte[], string> _format;

    private MultiaddressValueCodec(Func<string, byte[]> parse, Func<byte[], string> format)
    {
        _parse = parse;
        _format = format;
    }

    public static MultiaddressValueCodec Ip4 { get; } = new(ParseIp4, b => new IPAddress(b).ToString());

    public static MultiaddressValueCodec Ip6 { get; } = new(ParseIp6, b => new IPAddress(b).ToString());

    public static MultiaddressValueCodec Port { get; } = new(ParsePort, b => BinaryPrimitives.ReadUInt16BigEndian(b).ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static MultiaddressValueCodec Byte { get; } = new(ParseByte, b => b[0].ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Free-form names without '/' (IPv6 zones).</summary>
    public static MultiaddressValueCodec Name { get; } = new(
        text => Encode(CheckName(text, int.MaxValue)),
        bytes => CheckName(Decode(bytes), int.MaxValue));

    public static MultiaddressValueCodec DomainName { get; } = new(
        text => Encode(CheckName(text, MaxDomainNameBytes)),
        bytes => CheckName(Decode(bytes), MaxDomainNameBytes));

    /// <summary>Binary form is the peer ID's multihash; text is base58btc (a CIDv1 is accepted on input).</summary>
    public static MultiaddressValueCodec PeerId { get; } = new(
        text => Crypto.PeerId.TryParse(text, out var id, out var error) ? id.Bytes.ToArray() : throw new FormatException(error),
        bytes => Crypto.PeerId.FromBytes(bytes).ToString());

    /// <summary>Binary form is a multihash; text is any supported multibase, printed as base64url like go/js do.</summary>
    public static MultiaddressValueCodec CertHash { get; } = new(
        text => CheckMultihash(MultibaseText.Decode(text)),
        bytes => MultibaseText.EncodeBase64Url(CheckMultihash(bytes)));

    public byte[] Parse(string text) => _parse(text);

    public string Format(byte[] bytes) => _format(bytes);

    private static byte[] ParseIp4(string text)
    {
        // IPAddress.Parse also takes "1", "0x7f.1" or octal-looking parts; multiaddrs only use dotted-quad decimal.
        var parts = text.Split('.');
        if (parts.Length != 4)
            throw new FormatException($"invalid IPv4 address '{text}' (expected four dot-separated numbers)");
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
                throw new FormatException($"invalid IPv4 address '{text}' (bad part '{part}')");
            var value = int.Parse(part, System.Globalization.CultureInfo.InvariantCulture);
            if (value > 255)
                throw new FormatException($"invalid IPv4 address '{text}' ({value} is larger than 255)");
            bytes[i] = (byte)value;
        }
        return bytes;
    }

    private static byte[] ParseIp6(string text)
    {
        // Zones belong in a separate /ip6zone component and brackets are URL syntax; IPAddress would accept both.
        if (text.Contains('%', StringComparison.Ordinal) || text.Contains('[', StringComparison.Ordinal) ||
            !text.Contains(':', StringComparison.Ordinal) ||
            !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new FormatException($"invalid IPv6 address '{text}'");
        return address.GetAddressBytes();
    }

    private static byte[] ParsePort(string text)
    {
        if (text.Length is 0 or > 5 || !text.All(char.IsAsciiDigit))
            throw new FormatException($"invalid port '{text}' (expected a number from 0 to 65535)");
        var value = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        if (value > ushort.MaxValue)
            throw new FormatException($"invalid port '{text}' (expected a number from 0 to 65535)");
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    private static byte[] ParseByte(string text)
    {
        if (text.Length is 0 or > 3 || !text.All(char.IsAsciiDigit) || int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) > 255)
            throw new FormatException($"invalid value '{text}' (expected a number from 0 to 255)");
        return [byte.Parse(text, System.Globalization.CultureInfo.InvariantCulture)];
    }

    private static string CheckName(string name, int maxBytes)
    {
        if (name.Length == 0)
            throw new FormatException("name is empty");
        if (name.Contains('/', StringComparison.Ordinal))
            throw new FormatException($"name '{name}' contains '/'");
        if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new FormatException($"name '{name}' contains whitespace or control characters");
        if (Encoding.UTF8.GetByteCount(name) > maxBytes)
            throw new FormatException($"name '{name}' is longer than {maxBytes} bytes");
        return name;
    }

    private static byte[] Encode(string text)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            throw new FormatException($"'{text}' is not valid Unicode text");
        }
    }

    private static string Decode(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"value 0x{Convert.ToHexStringLower(bytes)} is not valid UTF-8");
        }
    }

    private static byte[] CheckMultihash(byte[] bytes)
    {
        try
        {
            Multihash.Decode(bytes);
        }
        catch (FormatException e)
        {
            throw new FormatException($"certificate hash is not a valid multihash: {e.Message}");
        }
        return bytes;
    }
}
