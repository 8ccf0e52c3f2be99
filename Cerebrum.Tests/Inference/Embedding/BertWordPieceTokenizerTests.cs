using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// bert-uncased tokenization with Microsoft.ML.Tokenizers and BERT's reference normalization: each case's ids are those
/// of the reference tokenizer (Hugging Face's, as all-MiniLM-L6-v2 was trained with; see TokenizerReferenceTests), where
/// the library's own BERT configuration, or the tokenizer it replaced, gave others.
/// </summary>
[TestFixture]
public sealed class BertWordPieceTokenizerTests
{
    private BertWordPieceTokenizer _tokenizer = null!;

    [OneTimeSetUp]
    public void LoadVocabulary()
    {
        using var vocabulary = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!;
        _tokenizer = new BertWordPieceTokenizer(vocabulary);
    }

    // Accents are stripped (canonical decomposition without non-spacing marks), also under invariant globalization,
    // where string.Normalize decomposes nothing and the previous tokenizer made every accented word [UNK].
    [TestCase("Café naïve Zürich résumé", new long[] { 101, 7668, 15743, 10204, 13746, 102 }, TestName = "accents: cafe naive zurich resume")]
    [TestCase("e\u0301", new long[] { 101, 1041, 102 }, TestName = "a combining accent: e")]
    // Hangul syllables decompose into the jamo the vocabulary has (the library's BERT normalizer composes them again).
    [TestCase("한국어", new long[] { 101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 102 }, TestName = "Hangul: jamo")]
    // Upper case lowers code point by code point (İ through its decomposition, Greek capital sigma to σ).
    [TestCase("İstanbul ΟΔΟΣ", new long[] { 101, 9960, 1169, 29722, 29730, 29733, 102 }, TestName = "casing: istanbul ο ##δ ##ο ##σ")]
    // Format and control characters go (zero-width space, soft hyphen, vertical tab, next line), joining what they separated.
    [TestCase("a\u200Bb a\u00ADb a\u000Bb a\u0085b", new long[] { 101, 11113, 11113, 11113, 11113, 102 }, TestName = "format and control characters: ab ab ab ab")]
    // Tab, line feed, carriage return and every space separator split words (the library's normalizer dropped the first three).
    [TestCase("tab\tline\nfeed\r\nend\u00A0nbsp\u3000ideo\u2028ls", new long[] { 101, 21628, 2240, 5438, 2203, 1050, 5910, 2361, 8909, 8780, 1048, 2015, 102 }, TestName = "whitespace variants")]
    // Every CJK ideograph is a word, outside the BMP too.
    [TestCase("北京大学 \U00020000\U00020001", new long[] { 101, 1781, 1755, 1810, 1817, 100, 100, 102 }, TestName = "CJK: one word per ideograph")]
    // ASCII symbols are punctuation to BERT (the library's pre-tokenizer dropped = + ^ ` ~ | < >).
    [TestCase("a = b + c; x^2 `code` ~ | < >", new long[] { 101, 1037, 1027, 1038, 1009, 1039, 1025, 1060, 1034, 1016, 1036, 3642, 1036, 1066, 1064, 1026, 1028, 102 }, TestName = "ASCII symbols")]
    // Other symbols and emoji stay in their word: the vocabulary's, or [UNK] (the library's pre-tokenizer dropped them).
    [TestCase("♠ ★☆ 😀 ❤️", new long[] { 101, 1623, 1620, 30148, 100, 100, 102 }, TestName = "symbols and emoji")]
    // Spacing marks stay (the library's normalizer dropped the Devanagari vowel sign).
    [TestCase("कि", new long[] { 101, 1315, 29877, 102 }, TestName = "spacing marks")]
    [TestCase("ﬁnance", new long[] { 101, 1984, 7229, 3401, 102 }, TestName = "a ligature is no decomposition")]
    [TestCase("Hello, World!", new long[] { 101, 7592, 1010, 2088, 999, 102 }, TestName = "plain text")]
    // Private-use characters and lone surrogates are no text.
    [TestCase("\uE000x\U000F0000y a\uD800b", new long[] { 101, 1060, 2100, 11113, 102 }, TestName = "private use and lone surrogates")]
    [TestCase("", new long[] { 101, 102 }, TestName = "empty")]
    [TestCase(" \t\n ", new long[] { 101, 102 }, TestName = "whitespace only")]
    // Text that spells a special token is text: a client cannot inject [SEP] (Hugging Face's tokenizer would make it the token).
    [TestCase("[CLS] hello [SEP]", new long[] { 101, 1031, 18856, 2015, 1033, 7592, 1031, 19802, 1033, 102 }, TestName = "special tokens are text")]
    public void Encode_GivesTheReferenceIds(string text, long[] expected)
    {
        Assert.That(_tokenizer.Encode(text, 256), Is.EqualTo(expected));
    }

    [Test]
    public void AWordOfMoreThan100Characters_IsUnknown()
    {
        var hundred = _tokenizer.Encode(new string('a', 100), 256);
        var longer = _tokenizer.Encode(new string('a', 101), 256);

        // [CLS] aaa ##aa ×48 ##a [SEP]: split by WordPiece; one more character and it is [UNK] (the previous tokenizer split any length).
        Assert.That(hundred, Has.Length.EqualTo(52));
        Assert.That(hundred[1..^1], Is.EqualTo(new long[] { 13360 }.Concat(Enumerable.Repeat(11057L, 48)).Append(2050)));
        Assert.That(longer, Is.EqualTo(new long[] { 101, 100, 102 }));
    }

    [TestCase(6, new long[] { 101, 14477, 20961, 3468, 14477, 102 }, TestName = "cut mid-word")]
    [TestCase(3, new long[] { 101, 14477, 102 }, TestName = "one token left")]
    [TestCase(2, new long[] { 101, 102 }, TestName = "no room for a token")]
    public void ALongText_LosesItsTokensPastTheLimit_KeepingTheClosingToken(int maxTokens, long[] expected)
    {
        Assert.That(_tokenizer.Encode("unaffable unaffable unaffable", maxTokens), Is.EqualTo(expected), "una ##ffa ##ble");
    }

    [Test]
    public void AHugeText_IsCutWithoutTokenizingAllOfIt_AndEndsWithSep()
    {
        var text = string.Join(' ', Enumerable.Repeat("unaffable", 200_000));

        var ids = _tokenizer.Encode(text, 256);

        Assert.That(ids, Has.Length.EqualTo(256));
        Assert.That((ids[0], ids[^1]), Is.EqualTo((101L, 102L)));
        Assert.That(ids[1..4], Is.EqualTo(new long[] { 14477, 20961, 3468 }));
    }

    [Test]
    public async Task ConcurrentCalls_GiveWhatSequentialOnesDo()
    {
        var texts = TokenizerCorpus.Texts(600);
        var sequential = texts.Select(t => _tokenizer.Encode(t, 128)).ToArray();

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
            texts.Select((t, i) => (i + worker) % 8 == 0 ? _tokenizer.Encode(t, 128) : null).ToArray()))).WaitAsync(TimeSpan.FromSeconds(60));

        for (var worker = 0; worker < concurrent.Length; worker++)
            for (var i = 0; i < texts.Count; i++)
                if (concurrent[worker][i] is { } ids)
                    Assert.That(ids, Is.EqualTo(sequential[i]), $"text {i}");
    }
}
