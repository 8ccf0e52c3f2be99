using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// BERT's uncased normalization, as the reference tokenizers do it (Google's BasicTokenizer with do_lower_case, and
/// Hugging Face's BertNormalizer, which all-MiniLM-L6-v2 was trained with): characters that are not text (NUL, U+FFFD,
/// control, format, unassigned, private-use and lone surrogate code points, but tab, line feed and carriage return) are
/// dropped; whitespace becomes a space; a space goes on each side of a CJK ideograph; accents are stripped (canonical
/// decomposition without non-spacing marks, see <see cref="AccentStripping"/>); then the text is lower-cased.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT normalizer differs from the reference where it matters to a BERT vocabulary: it drops
/// spacing marks too (Devanagari vowel signs), keeps format characters such as a zero-width space or a soft hyphen,
/// drops tab, line feed and carriage return instead of splitting on them, lower-cases upper-case letters only, and
/// composes the result again (NFC), which turns decomposed Hangul back into syllables no vocabulary has; and with
/// invariant globalization, as the daemon runs, its <see cref="string.Normalize()"/> strips no accent at all.
/// </remarks>
internal sealed class BertUncasedNormalizer : Normalizer
{
    public override string Normalize(string original) =>
        IsPlainAscii(original) ? string.Create(original.Length, original, static (lower, text) => Ascii.ToLower(text, lower, out _)) : NormalizeAny(original);

    public override string Normalize(ReadOnlySpan<char> original)
    {
        if (!IsPlainAscii(original)) return NormalizeAny(original);
        var lower = new char[original.Length];
        Ascii.ToLower(original, lower, out _);
        return new string(lower);
    }

    /// <summary>Printable ASCII and spaces, which only lower-casing changes (the common case, done vectorized).</summary>
    public static bool IsPlainAscii(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange(' ', '~');

    private static string NormalizeAny(ReadOnlySpan<char> original)
    {
        var output = new StringBuilder(original.Length + 16);
        for (var i = 0; i < original.Length; i++)
        {
            var c = original[i];
            if (c < 0x80)
            {
                if (c is ' ' or '\t' or '\n' or '\r') output.Append(' ');
                else if (c is >= 'A' and <= 'Z') output.Append((char)(c | 0x20));
                else if (c >= 0x20 && c != 0x7F) output.Append(c); // the rest of C0 and DEL are control characters
                continue;
            }
            int codePoint = c;
            if (char.IsHighSurrogate(c) && i + 1 < original.Length && char.IsLowSurrogate(original[i + 1]))
                codePoint = char.ConvertToUtf32(c, original[++i]);
            else if (char.IsSurrogate(c))
                continue; // a lone surrogate is no character (UTF-8 cannot carry it; the reference never sees one)
            if (codePoint == 0xFFFD) continue;
            switch (CharUnicodeInfo.GetUnicodeCategory(codePoint))
            {
                case UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse:
                    continue;
                case UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                    output.Append(' ');
                    continue;
            }
            var start = output.Length;
            var ideograph = IsCjkIdeograph(codePoint);
            if (ideograph) output.Append(' ');
            AccentStripping.AppendStripped(codePoint, output);
            LowerCase(output, ideograph ? start + 1 : start);
            if (ideograph) output.Append(' ');
        }
        return output.ToString();
    }

    /// <summary>
    /// The CJK Unified Ideographs blocks and their extensions A to E and compatibility ideographs, as BERT defines a
    /// "Chinese character" (Hangul, kana and the later extensions are written in space-separated words and stay whole).
    /// </summary>
    public static bool IsCjkIdeograph(int codePoint) =>
        codePoint is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>Lower-cases what <paramref name="output"/> holds from <paramref name="start"/>, code point by code point (simple case mapping).</summary>
    private static void LowerCase(StringBuilder output, int start)
    {
        Span<char> units = stackalloc char[2];
        for (var k = start; k < output.Length; k++)
        {
            var c = output[k];
            if (!char.IsSurrogate(c))
            {
                output[k] = char.ToLowerInvariant(c);
                continue;
            }
            if (char.IsHighSurrogate(c) && k + 1 < output.Length && char.IsLowSurrogate(output[k + 1]))
            {
                var lower = Rune.ToLowerInvariant(new Rune(c, output[k + 1]));
                if (lower.EncodeToUtf16(units) == 2)
                {
                    output[k] = units[0];
                    output[k + 1] = units[1];
                }
                k++;
            }
        }
    }
}
