using System.Buffers.Binary;
using System.Text;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Cli.Commands.PubSub;

/// <summary>
/// One received message as <c>cerebrum pubsub sub</c> prints it: <c>&lt;from&gt; &lt;seqno&gt; &lt;size&gt; &lt;data&gt;</c>.
/// From and seqno are <c>-</c> when absent (StrictNoSign); seqno is decimal; data is UTF-8 text when it is valid UTF-8
/// without control characters, otherwise lowercase hex.
/// </summary>
public static class MessageLine
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Format(PubSubMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var from = message.From?.ToString() ?? "-";
        var seqno = message.Seqno is { Length: > 0 } s ? Seqno(s.Span) : "-";
        return $"{from} {seqno} {message.Data.Length} {Data(message.Data.Span)}";
    }

    /// <summary>A big-endian seqno as decimal (8 bytes, as every libp2p implementation sends; otherwise hex).</summary>
    public static string Seqno(ReadOnlySpan<byte> seqno) =>
        seqno.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(seqno).ToString(System.Globalization.CultureInfo.InvariantCulture) : Convert.ToHexStringLower(seqno);

    public static string Data(ReadOnlySpan<byte> data)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            return Convert.ToHexStringLower(data);
        }
        return text.Any(char.IsControl) ? Convert.ToHexStringLower(data) : text;
    }
}
