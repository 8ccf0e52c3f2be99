using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// The fast paths of <see cref="BertWordPieceTokenizer"/> (one pass over the words that stops at the limit, printable
/// ASCII lower-cased a window at a time instead of normalized whole, words the vocabulary has whole looked up without the
/// library) give the ids of the library doing all of it (<see cref="LibraryTokenizer"/>): on the corpus at several
/// limits, and at every cut of long texts: past the limit, exactly at it, mid-word and between words.
/// </summary>
[TestFixture]
public sealed class BertWordPieceTokenizerFastPathTests
{
    private const string Paragraph = "Decentralized inference networks route each job to a node that keeps the model warm in memory, " +
        "checks the request against the model's signature, runs it within a deadline and signs a receipt over the inputs and outputs. ";

    private BertWordPieceTokenizer _tokenizer = null!;
    private LibraryTokenizer _library = null!;
    private string[] _vocabulary = null!;

    [OneTimeSetUp]
    public void LoadVocabulary()
    {
        using (var vocabulary = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!)
            _tokenizer = new BertWordPieceTokenizer(vocabulary);
        using (var vocabulary = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!)
            _library = new LibraryTokenizer(vocabulary);
        using var reader = new StreamReader(BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!);
        _vocabulary = reader.ReadToEnd().Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
    }

    [TestCase(256)]
    [TestCase(16)]
    [TestCase(3)]
    [TestCase(2)]
    [TestCase(0)]
    public void OnTheCorpus_TheIdsAreTheLibrarysAlone(int maxTokens)
    {
        var corpus = TokenizerCorpus.Texts();

        var mismatches = corpus.Where(t => !_tokenizer.Encode(t, maxTokens).SequenceEqual(_library.Encode(t, maxTokens))).ToList();

        Assert.That(corpus.Count(t => BertUncasedNormalizer.IsPlainAscii(t)), Is.GreaterThan(300), "the corpus has printable ASCII, which takes the ASCII path");
        Assert.That(corpus.Count(t => !BertUncasedNormalizer.IsPlainAscii(t)), Is.GreaterThan(300), "and other text");
        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} of {corpus.Count} texts differ; the first: {mismatches.FirstOrDefault()}");
    }

    [Test]
    public void PrintableAscii_IsWhatTheAsciiPathTakes()
    {
        Assert.That(BertUncasedNormalizer.IsPlainAscii("Hello, World! ~ {x}"), Is.True);
        Assert.That(BertUncasedNormalizer.IsPlainAscii(""), Is.True);
        Assert.That(BertUncasedNormalizer.IsPlainAscii("tab\there"), Is.False, "a tab becomes a space in normalization");
        Assert.That(BertUncasedNormalizer.IsPlainAscii("a\u007Fb"), Is.False, "DEL is dropped in normalization");
        Assert.That(BertUncasedNormalizer.IsPlainAscii("café"), Is.False);
    }

    // A paragraph of English (words of one piece and of several, punctuation), in mixed and upper case and with the
    // paragraph's second sentence in other scripts; and words of three pieces each (una ##ffa ##ble): every limit from
    // none to past the whole text.
    [TestCase("Paragraph", 12)]
    [TestCase("PARAGRAPH", 8)]
    [TestCase("Mixed", 6)]
    [TestCase("UnAffable", 100)]
    public void AtEveryLimit_TheIdsAreTheLibrarysAlone_CuttingMidWordToo(string kind, int repeats)
    {
        var text = kind switch
        {
            "Paragraph" => string.Concat(Enumerable.Repeat(Paragraph, repeats)),
            "PARAGRAPH" => string.Concat(Enumerable.Repeat(Paragraph.ToUpperInvariant(), repeats)),
            "Mixed" => string.Concat(Enumerable.Repeat(Paragraph + "Café naïve Zürich, 北京大学 한국어 😀 ΟΔΟΣ. ", repeats)),
            _ => string.Join(' ', Enumerable.Repeat("UnAffable", repeats)),
        };
        var whole = _library.Encode(text, int.MaxValue);
        var midWord = 0;
        var betweenWords = 0;
        for (var maxTokens = 0; maxTokens <= whole.Length + 2; maxTokens++)
        {
            var ids = _tokenizer.Encode(text, maxTokens);
            Assert.That(ids, Is.EqualTo(_library.Encode(text, maxTokens)), $"limit {maxTokens}");
            var kept = ids.Length - 2;
            if (kept > 0 && kept < whole.Length - 2)
            {
                if (IsContinuation(whole[kept + 1])) midWord++;
                else betweenWords++;
            }
        }

        Assert.That(whole.Length, Is.GreaterThan(256), "the text is longer than the model's limit");
        Assert.That(midWord, Is.GreaterThanOrEqualTo(8), "limits that cut a word");
        Assert.That(betweenWords, Is.GreaterThan(10), "limits that fall between words");
    }

    [Test]
    public void ATextOfExactly256Tokens_IsKeptWhole()
    {
        var text = string.Join(' ', Enumerable.Repeat("Token", 254));

        var ids = _tokenizer.Encode(text, 256);

        Assert.That(_library.Encode(text, int.MaxValue), Has.Length.EqualTo(256), "254 tokens and the frame");
        Assert.That(ids, Is.EqualTo(_library.Encode(text, 256)));
        Assert.That(_tokenizer.Encode(text + " token", 256), Is.EqualTo(ids), "one token more is cut");
        Assert.That(_tokenizer.Encode(text + " unaffable", 256), Is.EqualTo(ids), "a word of three pieces more is cut whole");
    }

    // Texts around the ASCII path's lower-case window (1,024 characters, so words straddle its end) and stack buffer
    // of ids (512), and far over both; upper case words around the 100-character limit of WordPiece.
    [TestCase(1000)]
    [TestCase(1023)]
    [TestCase(1024)]
    [TestCase(1025)]
    [TestCase(1100)]
    [TestCase(2100)]
    [TestCase(5000)]
    public void AroundTheBuffersSizes_TheIdsAreTheLibrarysAlone(int length)
    {
        var text = string.Concat(Enumerable.Repeat(Paragraph.ToUpperInvariant() + Paragraph, length / Paragraph.Length + 1))[..length];
        foreach (var maxTokens in new[] { 100_000, 513, 512, 511, 256 })
            Assert.That(_tokenizer.Encode(text, maxTokens), Is.EqualTo(_library.Encode(text, maxTokens)), $"limit {maxTokens}");
        Assert.That(_tokenizer.Encode(text, 100_000).Length, Is.GreaterThan(length / 8));
    }

    [TestCase(99)]
    [TestCase(100)]
    [TestCase(101)]
    [TestCase(1500)]
    public void LongUpperCaseWords_AreTheLibrarysToo(int length)
    {
        var text = $"Start {new string('A', length)} {new string('B', length)}x END";

        Assert.That(_tokenizer.Encode(text, 256), Is.EqualTo(_library.Encode(text, 256)));
    }

    private bool IsContinuation(long id) => _vocabulary[id].StartsWith("##", StringComparison.Ordinal);
}
