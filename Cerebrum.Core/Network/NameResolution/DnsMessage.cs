using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Cerebrum.Core.Network.NameResolution;

/// <summary>
/// DNS wire format (RFC 1035) for the one thing we ask: a recursive query for one name and type, with an EDNS0 OPT
/// record offering 1232-byte UDP answers (the DNS flag day 2020 size), and the decoding of its answer. Decoding is
/// bounded: names at most 255 bytes, compression pointers only backwards and at most 64 per name, counts checked
/// against the bytes present.
/// </summary>
public static class DnsMessage
{
    /// <summary>UDP payload size offered in EDNS0.</summary>
    public const ushort UdpPayloadSize = 1232;

    private const int MaxNameLength = 255;
    private const int MaxPointers = 64;
    private const int HeaderLength = 12;

    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    public static byte[] EncodeQuery(ushort id, string name, DnsRecordType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        var labels = name.TrimEnd('.').Split('.');
        var buffer = new List<byte>(HeaderLength + name.Length + 2 + 4 + 11);
        Span<byte> header = stackalloc byte[HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x01; // RD: recursion desired
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1); // QDCOUNT
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 1); // ARCOUNT: the OPT record
        buffer.AddRange(header.ToArray());
        var total = 1;
        foreach (var label in labels)
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length is 0 or > 63 || label.Any(c => c > 127))
                throw new ArgumentException($"'{name}' is not a DNS name (label '{label}')", nameof(name));
            total += bytes.Length + 1;
            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }
        if (total > MaxNameLength)
            throw new ArgumentException($"'{name}' is longer than {MaxNameLength} bytes", nameof(name));
        buffer.Add(0);
        buffer.AddRange([(byte)((ushort)type >> 8), (byte)type, 0x00, 0x01]); // QTYPE, QCLASS IN
        // OPT pseudo-record: root name, type 41, class = UDP payload size, TTL 0, no data.
        buffer.AddRange([0x00, 0x00, 41, UdpPayloadSize >> 8, UdpPayloadSize & 0xFF, 0, 0, 0, 0, 0, 0]);
        return [.. buffer];
    }

    /// <exception cref="FormatException">Not a well-formed DNS response.</exception>
    public static DnsResponse Decode(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderLength)
            throw new FormatException($"DNS message of {message.Length} bytes, shorter than its header");
        var id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & 0x8000) == 0)
            throw new FormatException("a DNS query, not a response");
        var truncated = (flags & 0x0200) != 0;
        var rcode = flags & 0x000F;
        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        if (questions != 1)
            throw new FormatException($"DNS response with {questions} questions (we ask one)");
        var offset = HeaderLength;
        var questionName = ReadName(message, ref offset);
        Need(message, offset, 4);
        var questionType = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        offset += 4;
        var records = new List<DnsAnswer>();
        for (var i = 0; i < answers; i++)
        {
            if (offset >= message.Length && truncated)
                break; // a truncated answer may stop anywhere
            var name = ReadName(message, ref offset);
            Need(message, offset, 10);
            var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            Need(message, offset, length);
            var data = message.Slice(offset, length);
            var text = type switch
            {
                DnsRecordType.Txt => ReadTxt(data),
                DnsRecordType.A when length == 4 => new IPAddress(data).ToString(),
                DnsRecordType.Aaaa when length == 16 => new IPAddress(data).ToString(),
                DnsRecordType.Cname => ReadNameAt(message, offset),
                _ => null,
            };
            offset += length;
            if (text is not null)
                records.Add(new DnsAnswer(name, type, TimeSpan.FromSeconds(Math.Min(ttl, int.MaxValue)), text));
        }
        return new DnsResponse(id, truncated, rcode, questionName, questionType, records);
    }

    private static string ReadTxt(ReadOnlySpan<byte> data)
    {
        // One or more <length><bytes> character-strings; a long value is split across several and means their concatenation.
        var text = new StringBuilder();
        var offset = 0;
        while (offset < data.Length)
        {
            int length = data[offset++];
            Need(data, offset, length);
            text.Append(Encoding.UTF8.GetString(data.Slice(offset, length)));
            offset += length;
        }
        return text.ToString();
    }

    private static string ReadNameAt(ReadOnlySpan<byte> message, int offset) => ReadName(message, ref offset);

    private static string ReadName(ReadOnlySpan<byte> message, ref int offset)
    {
        var name = new StringBuilder();
        var position = offset;
        var jumped = false;
        var pointers = 0;
        var length = 0;
        while (true)
        {
            Need(message, position, 1);
            int label = message[position];
            if ((label & 0xC0) == 0xC0)
            {
                Need(message, position, 2);
                var target = ((label & 0x3F) << 8) | message[position + 1];
                if (target >= position || ++pointers > MaxPointers)
                    throw new FormatException("DNS name compression pointer that does not point backwards");
                if (!jumped)
                    offset = position + 2;
                jumped = true;
                position = target;
                continue;
            }
            if ((label & 0xC0) != 0)
                throw new FormatException($"DNS label type 0x{label:x2} is not supported");
            position++;
            if (label == 0)
                break;
            Need(message, position, label);
            length += label + 1;
            if (length > MaxNameLength)
                throw new FormatException($"DNS name longer than {MaxNameLength} bytes");
            if (name.Length > 0)
                name.Append('.');
            name.Append(Encoding.ASCII.GetString(message.Slice(position, label)));
            position += label;
        }
        if (!jumped)
            offset = position;
        return name.ToString();
    }

    private static void Need(ReadOnlySpan<byte> message, int offset, int count)
    {
        if (offset < 0 || count < 0 || offset > message.Length - count)
            throw new FormatException("DNS message ends early");
    }
}
