using System.Globalization;
using System.Text;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// What BERT's accent stripping leaves of a code point: its canonical decomposition (NFD) without the non-spacing marks
/// (Mn). Carried as a table (<c>AccentStrippingTable.g.cs</c>) because the daemon runs with invariant globalization,
/// where <see cref="string.Normalize()"/> does not decompose. The marks of one text are dropped, so the canonical
/// reordering NFD would do among them does not matter; only spacing marks with a combining class could be reordered,
/// and no BERT vocabulary has them.
/// </summary>
internal static partial class AccentStripping
{
    private const int HangulFirst = 0xAC00;
    private const int HangulCount = 11_172;
    private const int HangulLeadFirst = 0x1100;
    private const int HangulVowelFirst = 0x1161;
    private const int HangulTrailFirst = 0x11A7;
    private const int HangulVowels = 21;
    private const int HangulTrails = 28;

    /// <summary>Appends what remains of <paramref name="codePoint"/> once decomposed and stripped of non-spacing marks.</summary>
    public static void AppendStripped(int codePoint, StringBuilder output)
    {
        if ((uint)(codePoint - HangulFirst) < HangulCount)
        {
            // Unicode's algorithmic decomposition of a Hangul syllable into its lead, vowel and (optional) trailing jamo.
            var index = codePoint - HangulFirst;
            output.Append((char)(HangulLeadFirst + index / (HangulVowels * HangulTrails)));
            output.Append((char)(HangulVowelFirst + index % (HangulVowels * HangulTrails) / HangulTrails));
            if (index % HangulTrails != 0) output.Append((char)(HangulTrailFirst + index % HangulTrails));
            return;
        }
        if (CharUnicodeInfo.GetUnicodeCategory(codePoint) == UnicodeCategory.NonSpacingMark) return;
        var found = DecomposedCodePoints.BinarySearch(codePoint);
        if (found < 0)
        {
            Span<char> units = stackalloc char[2];
            output.Append(units[..new Rune(codePoint).EncodeToUtf16(units)]);
            return;
        }
        output.Append(Replacements, ReplacementStarts[found], ReplacementStarts[found + 1] - ReplacementStarts[found]);
    }
}
