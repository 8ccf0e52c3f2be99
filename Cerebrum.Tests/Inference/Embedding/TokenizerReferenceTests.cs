using System.Globalization;
using System.Text;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// The product's tokenizer (Microsoft.ML.Tokenizers with BERT's reference normalization) against independent ones on a
/// deterministic corpus of a few thousand varied texts (<see cref="TokenizerCorpus"/>): it gives Hugging Face's ids (the
/// tokenizer all-MiniLM-L6-v2 was trained with) but for two documented choices, it gives the ids of the tokenizer it
/// replaced wherever that one was right, and where both tokenize alike the embeddings are the same to the bit.
/// </summary>
[TestFixture]
public sealed class TokenizerReferenceTests
{
    private static readonly string[] SpecialTokens = ["[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]"];
    private ReferenceTokenizers _reference = null!;
    private BertWordPieceTokenizer _tokenizer = null!;
    private IReadOnlyList<string> _corpus = null!;

    [OneTimeSetUp]
    public void Load()
    {
        _reference = new ReferenceTokenizers();
        using var vocabulary = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!;
        _tokenizer = new BertWordPieceTokenizer(vocabulary);
        _corpus = TokenizerCorpus.Texts();
    }

    [OneTimeTearDown]
    public void Dispose() => _reference.Dispose();

    [TestCase(256)]
    [TestCase(16)]
    [TestCase(3)]
    public void OnTheCorpus_TheIdsAreTheReferenceTokenizers(int maxTokens)
    {
        var mismatches = _corpus
            .Select(text => (Text: text, Actual: _tokenizer.Encode(text, maxTokens), Expected: Expected(text, maxTokens)))
            .Where(c => !c.Actual.SequenceEqual(c.Expected))
            .Select(c => $"{Escape(c.Text)}\n  expected {_reference.Tokens(c.Expected)}\n  but was  {_reference.Tokens(c.Actual)}")
            .ToList();

        Assert.That(_corpus, Has.Count.GreaterThanOrEqualTo(3000));
        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} of {_corpus.Count} texts differ; the first:\n{string.Join("\n", mismatches.Take(5))}");
    }

    [TestCase(256)]
    [TestCase(16)]
    public void OnTheCorpus_TheIdsAreThePreviousTokenizers_WhereverThatOneWasRight(int maxTokens)
    {
        var same = 0;
        var plainSame = 0;
        var plain = 0;
        var corrected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var regressions = new List<string>();
        foreach (var text in _corpus)
        {
            var previous = _reference.Previous.Encode(text, maxTokens);
            var now = _tokenizer.Encode(text, maxTokens);
            var isPlain = IsPlainText(text);
            plain += isPlain ? 1 : 0;
            if (previous.SequenceEqual(now))
            {
                same++;
                plainSame += isPlain ? 1 : 0;
                continue;
            }
            if (previous.SequenceEqual(Expected(text, maxTokens)))
                regressions.Add($"{Escape(text)}: previously {_reference.Tokens(previous)}, now {_reference.Tokens(now)}");
            var category = WhyThePreviousWasWrong(text, previous, now, maxTokens);
            corrected[category] = corrected.GetValueOrDefault(category) + 1;
            if (category == "other") TestContext.Out.WriteLine($"unexplained: {Escape(text)}\n  previously {_reference.Tokens(previous)}\n  now        {_reference.Tokens(now)}");
        }

        TestContext.Out.WriteLine($"limit {maxTokens}: {_corpus.Count} texts, {same} tokenized as before ({plainSame} of the {plain} of plain printable ASCII), " +
            $"{_corpus.Count - same} corrected: {string.Join("; ", corrected.Select(p => $"{p.Key} {p.Value}"))}");
        Assert.That(regressions, Is.Empty, "texts the previous tokenizer got right and this one does not");
        Assert.That(plain, Is.GreaterThan(300), "the corpus has plain text");
        Assert.That(plainSame, Is.EqualTo(plain), "plain printable ASCII (no special-token spelling, no word over 100 characters) is tokenized exactly as before");
        Assert.That(corrected.GetValueOrDefault("other"), Is.Zero, "every difference has a known cause");
    }

    [Test]
    public async Task TheEmbeddings_AreTheSameToTheBit_WhereTheIdsAre()
    {
        using var dir = new InferenceTestDirectory();
        using var store = new ModelStore(dir.Path);
        var model = store.AddBuiltin(BuiltinModels.AllMiniLmL6V2);
        await using var engine = InferenceEngine.Start(new InferenceEngineOptions
        {
            Models = [model.Hash],
            DefaultServing = new ModelServingOptions(MaxConcurrency: 1, MaxQueueLength: 64, MaxBatchSize: 1, MaxQueueDelay: TimeSpan.Zero),
        }, store);
        var current = TextEmbeddingPipelines.ForBuiltin();
        var previous = new TextEmbeddingPipeline(model.Name, current.Encoding, _reference.Previous, tokenTypeIds: true, TextEmbeddingPipelines.DefaultPadMultiple);
        var sameIds = _corpus.Where(t => _reference.Previous.Encode(t, 256).SequenceEqual(_tokenizer.Encode(t, 256))).Where((_, i) => i % 20 == 0).Take(40).ToList();
        var otherIds = _corpus.Where(t => !_reference.Previous.Encode(t, 256).SequenceEqual(_tokenizer.Encode(t, 256))).Where((_, i) => i % 60 == 0).Take(20).ToList();

        var cosines = new List<double>();
        foreach (var text in sameIds.Concat(otherIds))
        {
            var now = await EmbedAsync(current, text);
            var before = await EmbedAsync(previous, text);
            if (sameIds.Contains(text))
                Assert.That(now, Is.EqualTo(before), Escape(text));
            else
                cosines.Add(now.Zip(before, (a, b) => (double)a * b).Sum());
        }

        TestContext.Out.WriteLine($"{sameIds.Count} texts with the same ids embed identically; {cosines.Count} corrected ones move to cosine {cosines.Min():0.000}..{cosines.Max():0.000} of their previous vectors");
        Assert.That(sameIds, Has.Count.EqualTo(40));
        Assert.That(cosines, Has.Count.EqualTo(20));

        async Task<float[]> EmbedAsync(TextEmbeddingPipeline pipeline, string text) =>
            (await pipeline.EmbedAsync([text], (inputs, ct) => engine.RunAsync(new InferenceRequest(model.Hash, inputs, DateTimeOffset.UtcNow.AddMinutes(1)), ct),
                r => r.Outputs, CancellationToken.None)).Vectors[0];
    }

    /// <summary>
    /// What the product means to give: Hugging Face's ids, with two differences that are Google's reference tokenizer's
    /// behaviour. Text that spells a special token ("[SEP]") is text, so a client cannot inject one (a space after the
    /// '[' keeps Hugging Face from matching it; BERT splits the '[' off anyway). And U+2B820..U+2B91F (CJK Extension E)
    /// are ideographs, each a word (Hugging Face's range starts at U+2B920; the spaces around them are BERT's).
    /// </summary>
    private long[] Expected(string text, int maxTokens)
    {
        var input = new StringBuilder();
        foreach (var rune in ReferenceTokenizers.WithoutLoneSurrogates(text).EnumerateRunes())
            input.Append(rune.Value is >= 0x2B820 and < 0x2B920 ? $" {rune} " : rune.ToString());
        var escaped = input.ToString();
        foreach (var token in SpecialTokens) escaped = escaped.Replace(token, "[ " + token[1..], StringComparison.Ordinal);
        return _reference.HuggingFace(escaped, maxTokens);
    }

    /// <summary>Why the previous tokenizer (FastBertTokenizer, as the daemon ran it: invariant globalization) tokenized a text otherwise.</summary>
    private static string WhyThePreviousWasWrong(string text, long[] previous, long[] now, int maxTokens)
    {
        if (SpecialTokens.Any(t => text.Contains(t, StringComparison.Ordinal)))
            return "special-token spelling";
        var words = new BertPreTokenizer().PreTokenize(new BertUncasedNormalizer().Normalize(text));
        if (words.Any(w => w.Length > BertWordPieceTokenizer.MaxCharactersPerWord))
            return "word over 100 characters not [UNK]";
        var stripped = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            stripped.Clear();
            AccentStripping.AppendStripped(rune.Value, stripped);
            if (stripped.ToString() != rune.ToString() && Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
                return "accent or Hangul not decomposed (invariant globalization)";
        }
        if (text.EnumerateRunes().Any(r => r.Value > 0xFFFF && BertUncasedNormalizer.IsCjkIdeograph(r.Value)))
            return "ideograph outside the BMP not split off";
        if (text.Any(c => c is '\u000B' or '\u000C' or '\u0085' or '\u001C' or '\u001D' or '\u001E' or '\u001F'))
            return "control character taken for a space";
        if (text.EnumerateRunes().Any(r => Rune.GetUnicodeCategory(r) == UnicodeCategory.OtherNotAssigned))
            return "unassigned code point dropped (the reference keeps it: [UNK])";
        if (text.EnumerateRunes().Any(r => Rune.GetUnicodeCategory(r) == UnicodeCategory.NonSpacingMark))
            return "non-spacing mark not dropped";
        // A word WordPiece cannot split to its end is [UNK] as a whole, also when the limit cuts it.
        const long unknown = 100;
        if (now.Length == maxTokens && previous.Length == maxTokens && now[^2] == unknown && previous[^2] != unknown)
            return "unsplittable word cut at the limit";
        return "other";
    }

    /// <summary>Printable ASCII without special-token spellings or words over 100 characters.</summary>
    private static bool IsPlainText(string text) =>
        text.All(c => c is >= ' ' and <= '~') && !SpecialTokens.Any(t => text.Contains(t, StringComparison.Ordinal))
        && text.Split(' ').All(w => w.Length <= BertWordPieceTokenizer.MaxCharactersPerWord);

    private static string Escape(string text) =>
        string.Concat(text.Take(120).Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}")) + (text.Length > 120 ? "…" : "");
}
