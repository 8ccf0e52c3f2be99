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
        for (var scan = new Words(text); scan.MoveNext();) words.Add(scan.Current);
        return words;
    }

    /// <summary>The words of a normalized text one after the other, as <see cref="PreTokenize(ReadOnlySpan{char})"/> lists them, without a list.</summary>
    internal ref struct Words(ReadOnlySpan<char> text)
    {
        private readonly ReadOnlySpan<char> _text = text;
        private int _next;

        /// <summary>Where the word <see cref="MoveNext"/> found is in the text.</summary>
        public (int Offset, int Length) Current { get; private set; }

        /// <summary>Finds the next word; false at the end of the text.</summary>
        public bool MoveNext()
        {
            var text = _text;
            var kinds = AsciiKinds;
            var i = _next;
            CharKind kind;
            int width;
            while (true)
            {
                if (i >= text.Length)
                {
                    _next = i;
                    return false;
                }
                var c = text[i];
                if (c < kinds.Length) (kind, width) = (kinds[c], 1);
                else kind = KindAt(text, i, out width);
                if (kind != CharKind.Space) break;
                i += width;
            }
            var start = i;
            i += width;
            if (kind == CharKind.Word)
            {
                // The common case, ASCII inside a word, looked up and nothing else.
                while (i < text.Length)
                {
                    var c = text[i];
                    if (c < kinds.Length)
                    {
                        if (kinds[c] != CharKind.Word) break;
                        i++;
                    }
                    else
                    {
                        if (KindAt(text, i, out width) != CharKind.Word) break;
                        i += width;
                    }
                }
            }
            Current = (start, i - start);
            _next = i;
            return true;
        }
    }

    /// <summary>The kind of the character at <paramref name="index"/>, and its width: 2 for a surrogate pair, else 1.</summary>
    private static CharKind KindAt(ReadOnlySpan<char> text, int index, out int width)
    {
        var c = text[index];
        width = 1;
        if (c < AsciiKinds.Length) return AsciiKinds[c];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return KindOf(c, char.ConvertToUtf32(c, text[index + 1]));
        }
        return KindOf(c, c);
    }

    /// <summary>What ends a word, for the character <paramref name="c"/> (a high surrogate of <paramref name="codePoint"/> outside the BMP).</summary>
    private static CharKind KindOf(char c, int codePoint) =>
        char.IsWhiteSpace(c) ? CharKind.Space : IsPunctuation(codePoint) ? CharKind.Punctuation : CharKind.Word;

    /// <summary>The kinds of the ASCII characters, looked up instead of classified: most text is ASCII, and most of its characters are inside words.</summary>
    private static readonly CharKind[] AsciiKinds = [.. Enumerable.Range(0, 128).Select(c => KindOf((char)c, c))];

    private enum CharKind : byte
    {
        Word,
        Space,
        Punctuation,
    }

    public static bool IsPunctuation(int codePoint) =>
        codePoint is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || (codePoint >= 0x80 && CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation);
}
