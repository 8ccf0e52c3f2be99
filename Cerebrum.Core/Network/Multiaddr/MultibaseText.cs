using System.Buffers.Text;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Multiaddr;

/// <summary>The multibase encodings certhash values are seen in (go and js print base64url, prefix 'u').</summary>
internal static class MultibaseText
{
    public static string EncodeBase64Url(ReadOnlySpan<byte> data) => "u" + Base64Url.EncodeToString(data);

    public static byte[] Decode(string text)
    {
        if (text.Length == 0)
            throw new FormatException("empty multibase string");
        var body = text.AsSpan(1);
        try
        {
            return text[0] switch
            {
                'u' or 'U' => Base64Url.DecodeFromChars(body),
                'm' or 'M' => DecodeBase64(body),
                'b' or 'B' => Base32.Decode(body),
                'z' => Base58.Decode(body),
                'f' or 'F' => Convert.FromHexString(body),
                _ => throw new FormatException($"unsupported multibase prefix '{text[0]}'"),
            };
        }
        catch (FormatException e)
        {
            throw new FormatException($"invalid multibase string '{text}': {e.Message}");
        }
    }

    private static byte[] DecodeBase64(ReadOnlySpan<char> body)
    {
        // Convert wants padding, which multibase 'm' omits.
        var unpadded = body.TrimEnd('=').ToString();
        return Convert.FromBase64String(unpadded.PadRight((unpadded.Length + 3) / 4 * 4, '='));
    }
}
