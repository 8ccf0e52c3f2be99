using System.Text;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// A deterministic corpus of varied texts for tokenizer comparisons: plain and mixed-case sentences, accents (composed and
/// combining), scripts (CJK ideographs, kana, Hangul, Greek with final sigma, Cyrillic, Arabic, Hebrew, Devanagari, Thai),
/// emoji (with ZWJ, skin tones, variation selectors, flags), control and format characters, whitespace variants, punctuation
/// and symbols, numbers, URLs and e-mail addresses, code, special-token look-alikes, long words around the 100-character
/// limit, long texts around the truncation limit, empty and whitespace-only texts, random code points and lone surrogates.
/// </summary>
internal static class TokenizerCorpus
{
    private static readonly string[] Words =
    [
        "the", "a", "network", "model", "inference", "decentralized", "GPU", "node", "validator", "ledger", "token", "embedding",
        "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "unaffable", "tokenization", "supercalifragilisticexpialidocious",
        "running", "played", "happiness", "internationalization", "I", "you", "we", "they", "don't", "can't", "it's", "e.g.",
        "naïve", "café", "résumé", "coöperate", "façade", "jalapeño", "Zürich", "Ångström", "Øresund", "straße", "Œuvre", "Ærø",
        "İstanbul", "ΟΔΥΣΣΕΥΣ", "Σίσυφος", "ΑΣ", "Москва", "Привет", "مرحبا", "שלום", "नमस्ते", "สวัสดี", "Tiếng", "Việt",
        "東京", "北京大学", "中文", "日本語", "ひらがな", "カタカナ", "한국어", "안녕하세요", "ﬁnance", "ﬀ", "１２３", "ＡＢＣ",
        "😀", "👍🏽", "👨‍👩‍👧", "❤️", "🇩🇪", "🤖", "∑", "€100", "£", "©2024", "™", "→", "½", "x²", "H₂O", "°C",
    ];

    private static readonly string[] AsciiWords =
    [
        "the", "a", "of", "and", "to", "in", "is", "network", "model", "inference", "GPU", "node", "Validator", "ledger", "token",
        "embedding", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "unaffable", "tokenization", "running", "played",
        "happiness", "internationalization", "don't", "it's", "U.S.A.", "e-mail", "state-of-the-art", "100%", "$5", "3.14",
        "1,000", "2024", "O'Neil", "HTTPS", "JSON", "snake_case", "camelCase", "x86_64", "#1", "C++", "a/b", "(maybe)", "yes!",
    ];

    private static readonly string[] Punctuation =
    [
        ".", ",", "!", "?", ";", ":", "-", "--", "—", "–", "…", "'", "\"", "“", "”", "‘", "’", "«", "»", "¿", "¡", "(", ")", "[", "]",
        "{", "}", "<", ">", "/", "\\", "|", "@", "#", "$", "%", "^", "&", "*", "_", "+", "=", "~", "`", "・", "。", "、", "«»", "‽",
    ];

    private static readonly string[] Spaces = [" ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "\u2003", "\u2028", "\u2029", "\u000B", "\u000C", "\u0085", "\u200B", "\u180E", "\u202F"];

    private static readonly string[] Controls = ["\u0000", "\u0001", "\u0007", "\u001B", "\u007F", "\u0080", "\u009F", "\u00AD", "\u200B", "\u200C", "\u200D", "\u200E", "\u2060", "\uFEFF", "\uFFFD", "\uFFF9", "\uE000", "\uDB80\uDC00"];

    private static readonly string[] Fixed =
    [
        "", " ", "   ", "\t\n", "\n", "\u00A0", "\u3000", ".", "a", "A", "[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]", "[cls]",
        "hello [SEP] world", "x[MASK]y", "[ CLS ]", "Hello, world!", "HELLO WORLD", "hElLo WoRlD", "https://example.com/a/b?c=d&e=f#g",
        "mailto:someone@example.org", "user.name+tag@sub.example.co.uk", "http://127.0.0.1:8080/v1/embeddings", "C:\\Windows\\System32",
        "if (x > 0) { return y[i] * 2; }", "SELECT * FROM t WHERE a = 'b';", "3.14159", "1,000,000", "2024-05-01T12:00:00Z", "-42", "+1 (555) 010-9999",
        "1e-9", "0x7FFFFFFF", "v1.2.3", "#hashtag", "@mention", "ΟΔΟΣ", "ΟΔΟΣ ΟΔΟΣ.", "Σ", "ΣΑΣ", "İ", "İi", "ß", "ẞ", "ŉ", "ǅ", "ﬃ",
        "e\u0301", "a\u0308\u0301", "\u0301abc", "Ä\u0301", "n\u0303", "\u0915\u093F", "\u1100\u1161", "가", "각", "\uD55C",
        "\uD83D", "\uDE00", "a\uD800b", "\uDFFF\uD800", "𠀀𠀁", "𪜀", "丂丄", "\u3400", "\u4DBF", "\uF900", "\uFA6A", "\U0002F800",
        "a\u0000b", "a\u0007b", "a\u200Bb", "a\u00ADb", "a\uFFFDb", "a\u2028b", "a\u000Bb", "a\u0085b", "a\u00A0b", "a\u180Eb",
        "\U0001F600\U0001F600\U0001F600", "🏳️‍🌈", "👩🏾‍💻", "1️⃣", "☺︎", "♠", "✓✔", "★☆",
    ];

    /// <summary>At least <paramref name="count"/> texts (the fixed ones, then seeded random ones); the same on every run.</summary>
    public static IReadOnlyList<string> Texts(int count = 3000, int seed = 20_26)
    {
        var random = new Random(seed);
        var texts = new List<string>(Fixed);
        // Words around the 100-character limit of WordPiece, in ASCII, with accents and with astral characters.
        foreach (var n in new[] { 98, 99, 100, 101, 102, 150, 200, 201 })
        {
            texts.Add(new string('a', n));
            texts.Add(new string('é', n));
            texts.Add(string.Concat(Enumerable.Repeat("😀", n / 2)) + (n % 2 == 1 ? "x" : ""));
            texts.Add(string.Concat(Enumerable.Repeat("ab", n / 2)) + " tail");
        }
        // Long texts around the truncation limits: words and punctuation split at the boundary.
        foreach (var n in new[] { 120, 126, 127, 128, 129, 250, 253, 254, 255, 256, 257, 300, 600 })
        {
            texts.Add(string.Join(' ', Enumerable.Repeat("token", n)));
            texts.Add(string.Join(' ', Enumerable.Repeat("unaffable", n / 3)));
            texts.Add(string.Concat(Enumerable.Repeat("x.", n)));
        }
        while (texts.Count < count)
        {
            texts.Add((texts.Count % 10) switch
            {
                0 or 1 or 2 => Sentence(random, random.Next(1, 30)),
                3 => AsciiSentence(random, random.Next(1, 60)),
                4 => Sentence(random, random.Next(1, 12)).ToUpperInvariant(),
                5 => Mixed(random, random.Next(1, 40)),
                6 => RandomCodePoints(random, random.Next(1, 30)),
                7 => Sentence(random, random.Next(150, 400)),
                8 => Glued(random, random.Next(1, 8)),
                _ => Scripts(random, random.Next(1, 20)),
            });
        }
        return texts;
    }

    private static string Sentence(Random random, int words)
    {
        var b = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0) b.Append(random.Next(8) == 0 ? Pick(random, Spaces) : " ");
            var word = Pick(random, Words);
            b.Append(random.Next(6) switch { 0 => word.ToUpperInvariant(), 1 => char.ToUpperInvariant(word[0]) + word[1..], _ => word });
            if (random.Next(5) == 0) b.Append(Pick(random, Punctuation));
        }
        return b.ToString();
    }

    /// <summary>Printable ASCII: words, numbers and punctuation as English text has them.</summary>
    private static string AsciiSentence(Random random, int words)
    {
        var b = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0) b.Append(' ');
            b.Append(Pick(random, AsciiWords));
            if (random.Next(6) == 0) b.Append(Pick(random, [".", ",", "!", "?", ";", ":", "...", "\"", ")"]));
        }
        return b.ToString();
    }

    /// <summary>Words, punctuation, numbers, controls and spaces in any order and case.</summary>
    private static string Mixed(Random random, int parts)
    {
        var b = new StringBuilder();
        for (var i = 0; i < parts; i++)
        {
            b.Append(random.Next(7) switch
            {
                0 => Pick(random, Punctuation),
                1 => Pick(random, Spaces),
                2 => Pick(random, Controls),
                3 => random.Next(-100000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture) + (random.Next(2) == 0 ? "." + random.Next(1000) : ""),
                4 => Pick(random, Fixed),
                _ => Pick(random, Words),
            });
        }
        return b.ToString();
    }

    /// <summary>Words stuck together with punctuation and no spaces (URLs, identifiers, run-on text).</summary>
    private static string Glued(Random random, int parts)
    {
        var b = new StringBuilder();
        for (var i = 0; i < parts; i++)
        {
            b.Append(Pick(random, Words));
            if (random.Next(2) == 0) b.Append(Pick(random, Punctuation));
        }
        return b.ToString();
    }

    /// <summary>Code points from the blocks texts come in, whole-range random ones and lone surrogates among them.</summary>
    private static string RandomCodePoints(Random random, int length)
    {
        (int From, int To)[] blocks =
        [
            (0x20, 0x7E), (0x00, 0x1F), (0x80, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
            (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F), (0x2070, 0x2BFF), (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
            (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF),
            (0x20000, 0x2A6DF), (0x2A700, 0x2CEAF), (0x2F800, 0x2FA1F), (0x10000, 0x10FFFF), (0xD800, 0xDFFF),
        ];
        var b = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var (from, to) = blocks[random.Next(blocks.Length)];
            var cp = random.Next(from, to + 1);
            if (cp is >= 0xD800 and <= 0xDFFF) b.Append((char)cp); // a lone surrogate: invalid UTF-16 that a string can still hold
            else b.Append(char.ConvertFromUtf32(cp));
            if (random.Next(4) == 0) b.Append(' ');
        }
        return b.ToString();
    }

    private static string Scripts(Random random, int words)
    {
        var b = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0 && random.Next(3) > 0) b.Append(' ');
            var word = Pick(random, Words);
            b.Append(random.Next(4) == 0 ? word.Normalize(NormalizationForm.FormD) : word);
        }
        return b.ToString();
    }

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];
}
