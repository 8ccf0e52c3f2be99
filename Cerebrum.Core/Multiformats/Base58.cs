namespace Cerebrum.Core.Multiformats;

/// <summary>Base58btc (the Bitcoin alphabet), used for peer ID text.</summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly sbyte[] Indexes = BuildIndexes();

    private static sbyte[] BuildIndexes()
    {
        var table = new sbyte[128];
        Array.Fill(table, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
            table[Alphabet[i]] = (sbyte)i;
        return table;
    }

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        // log(256)/log(58) ~ 1.366
        var size = (data.Length - zeros) * 138 / 100 + 1;
        Span<byte> digits = size <= 256 ? stackalloc byte[size] : new byte[size];
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            var carry = (int)data[i];
            var j = 0;
            for (var k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 256 * digits[k];
                digits[k] = (byte)(carry % 58);
                carry /= 58;
            }
            length = j;
        }
        var start = size - length;
        while (start < size && digits[start] == 0) start++;
        var result = new char[zeros + size - start];
        for (var i = 0; i < zeros; i++) result[i] = '1';
        for (var i = start; i < size; i++) result[zeros + i - start] = Alphabet[digits[i]];
        return new string(result);
    }

    public static byte[] Decode(ReadOnlySpan<char> text)
    {
        if (!TryDecode(text, out var bytes, out var error))
            throw new FormatException(error);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes, out string? error)
    {
        bytes = [];
        if (text.IsEmpty) { error = "empty base58 string"; return false; }
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1') zeros++;
        var size = (text.Length - zeros) * 733 / 1000 + 1;
        Span<byte> b256 = size <= 256 ? stackalloc byte[size] : new byte[size];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            var digit = c < 128 ? Indexes[c] : -1;
            if (digit < 0) { error = $"invalid base58 character '{c}' at position {i}"; return false; }
            var carry = (int)digit;
            var j = 0;
            for (var k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 58 * b256[k];
                b256[k] = (byte)(carry & 0xFF);
                carry >>= 8;
            }
            length = j;
        }
        var start = size - length;
        while (start < size && b256[start] == 0) start++;
        bytes = new byte[zeros + size - start];
        b256[start..].CopyTo(bytes.AsSpan(zeros));
        error = null;
        return true;
    }
}
