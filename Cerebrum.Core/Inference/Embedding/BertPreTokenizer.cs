using System.Globalization;
using Microsoft.ML.Tokenizers;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// BERT's word split of normalized text (see <see cref="BertUncasedNormalizer"/>): words end at whitespace, and each
/// punctuation character is a word of its own. Punctuation is what BERT calls so: every ASCII character that is not a
/// letter, digit or space (so ^ $ ` + = &lt; &gt; | ~ too), and every Unicode punctuation character (categories P*).
/// Anything else (symbols, emoji) stays inside its word, where WordPiece finds it or makes the word [UNK].
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' word-or-punctuation pre-tokenizer keeps only letters, digits and P* punctuation, so
/// "a = b + c" loses its = and +, and a text of emoji or symbols becomes no token at all.
/// </remarks>
internal sealed class BertPreTokenizer : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => PreTokenize(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        var words = new List<(int Offset, int Length)>(Math.Min(text.Length / 4 + 4, 1024));
        Scan(text, words, int.MaxValue);
        return words;
    }

    /// <summary>The end of the first <paramref name="count"/> words of <paramref name="text"/> (its length when it has fewer).</summary>
    public static int EndOfWords(ReadOnlySpan<char> text, int count) => count <= 0 ? 0 : Scan(text, null, count);

    /// <summary>
    /// Finds the words of <paramref name="text"/>, adding them to <paramref name="words"/> when given, until
    /// <paramref name="maxWords"/> are found; returns where the last one found ends (the text's length when it has fewer).
    /// </summary>
    private static int Scan(ReadOnlySpan<char> text, List<(int Offset, int Length)>? words, int maxWords)
    {
        var found = 0;
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var width = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            if (char.IsWhiteSpace(c))
            {
                if (start >= 0 && Found(start, i)) return i;
                start = -1;
            }
            else if (IsPunctuation(width == 2 ? char.ConvertToUtf32(c, text[i + 1]) : c))
            {
                if (start >= 0 && Found(start, i)) return i;
                if (Found(i, i + width)) return i + width;
                start = -1;
            }
            else if (start < 0)
            {
                start = i;
            }
            i += width - 1;
        }
        if (start >= 0) Found(start, text.Length);
        return text.Length;

        bool Found(int from, int to)
        {
            words?.Add((from, to - from));
            return ++found == maxWords;
        }
    }

    public static bool IsPunctuation(int codePoint) =>
        codePoint is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || (codePoint >= 0x80 && CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation);
}
