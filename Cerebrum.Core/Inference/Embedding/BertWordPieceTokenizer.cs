using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// <see cref="Store.TextEncoding.BertUncased"/> tokenization: Microsoft.ML.Tokenizers' BERT WordPiece tokenizer over the
/// model's vocab.txt, with BERT's reference normalization and word split (<see cref="BertUncasedNormalizer"/>,
/// <see cref="BertPreTokenizer"/>) in place of the library's own, which differ from it; words over 100 characters are
/// [UNK], as in the model's tokenizer configuration. Text that spells a special token ("[SEP]") is text, never the
/// token: a client cannot inject one. A text longer than the limit loses its tokens past it, mid-word if need be, and
/// keeps the closing [SEP] (the reference tokenizer's truncation). Thread-safe.
/// </summary>
/// <remarks>
/// The fast paths around the library, each giving the ids the library gives for the whole text (tests compare them):
/// the words are found once, in one pass that stops at the limit, instead of normalizing, splitting and piecing the whole
/// text and then cutting; printable ASCII, which normalization only lower-cases, is not normalized as a whole but each
/// word lower-cased into a stack buffer; and a word the vocabulary has whole is its token without a call into the
/// library, since WordPiece's first and longest candidate piece of a word is the word itself. The library splits
/// every other word into its pieces (or [UNK]).
/// </remarks>
internal sealed class BertWordPieceTokenizer : ITextTokenizer
{
    /// <summary>The longest word WordPiece splits; a longer one is [UNK] (bert-base-uncased's tokenizer configuration).</summary>
    public const int MaxCharactersPerWord = 100;

    /// <summary>The most token ids gathered on the stack (a text cut at 256 tokens fits); more go to a pooled buffer.</summary>
    private const int MaxStackIds = 512;

    /// <summary>How much printable ASCII is lower-cased at a time (on the stack); at least <see cref="MaxCharactersPerWord"/>.</summary>
    private const int LowerCaseWindow = 1024;

    private readonly BertUncasedNormalizer _normalizer = new();
    private readonly BertTokenizer _tokenizer;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wholeWords;

    /// <summary>The library's BERT options for all-MiniLM-L6-v2's vocabulary: our normalizer and pre-tokenizer, BERT's special tokens.</summary>
    internal static BertOptions LibraryOptions(BertUncasedNormalizer normalizer) => new()
    {
        Normalizer = normalizer,
        PreTokenizer = new BertPreTokenizer(),
        SplitOnSpecialTokens = false,
        UnknownToken = "[UNK]",
        ClassificationToken = "[CLS]",
        SeparatorToken = "[SEP]",
        PaddingToken = "[PAD]",
        MaskingToken = "[MASK]",
        ContinuingSubwordPrefix = "##",
        MaxInputCharsPerWord = MaxCharactersPerWord,
    };

    /// <exception cref="ArgumentException">The vocabulary lacks one of BERT's special tokens.</exception>
    public BertWordPieceTokenizer(Stream vocabulary)
    {
        using var copy = new MemoryStream();
        vocabulary.CopyTo(copy);
        copy.Position = 0;
        _tokenizer = BertTokenizer.Create(copy, LibraryOptions(_normalizer));
        copy.Position = 0;
        _wholeWords = ReadEntries(copy).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public long[] Encode(string text, int maxTokens)
    {
        var budget = Math.Max(0, maxTokens - 2);
        // Printable ASCII is only lower-cased by normalization, which does not move where words end: its words are found
        // in the text as it is.
        var plainAscii = BertUncasedNormalizer.IsPlainAscii(text);
        var normalized = plainAscii ? text : _normalizer.Normalize(text);
        // Every token holds at least one character of the normalized text.
        var capacity = Math.Min(budget, normalized.Length);
        int[]? rented = null;
        var ids = capacity <= MaxStackIds ? stackalloc int[capacity] : (rented = ArrayPool<int>.Shared.Rent(capacity));
        // Printable ASCII is lower-cased a window at a time, from the start of the word that needs it: no more of the text
        // than the kept words reach, and no call per word.
        Span<char> lower = plainAscii ? stackalloc char[Math.Min(LowerCaseWindow, text.Length)] : [];
        var lowerStart = 0;
        var lowerEnd = 0;
        try
        {
            var count = 0;
            for (var words = new BertPreTokenizer.Words(normalized); count < budget && words.MoveNext();)
            {
                var (offset, length) = words.Current;
                scoped var word = normalized.AsSpan(offset, length);
                if (plainAscii && length <= MaxCharactersPerWord)
                {
                    if (offset + length > lowerEnd)
                    {
                        (lowerStart, lowerEnd) = (offset, Math.Min(text.Length, offset + lower.Length));
                        Ascii.ToLower(text.AsSpan(lowerStart, lowerEnd - lowerStart), lower, out _);
                    }
                    word = lower.Slice(offset - lowerStart, length);
                }
                // A longer word is [UNK] whatever its case: the library answers it so without reading it.
                if (word.Length <= MaxCharactersPerWord && _wholeWords.TryGetValue(word, out var id))
                {
                    ids[count++] = id;
                    continue;
                }
                var pieces = _tokenizer.EncodeToIds(word, addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false);
                for (var i = 0; i < pieces.Count && count < budget; i++) ids[count++] = pieces[i];
            }
            var result = new long[count + 2];
            result[0] = _tokenizer.ClassificationTokenId;
            for (var i = 0; i < count; i++) result[i + 1] = ids[i];
            result[^1] = _tokenizer.SeparatorTokenId;
            return result;
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>The vocabulary's entries by their ids, read as the library reads them: one a line, ids counting every line, empty lines skipped.</summary>
    private static Dictionary<string, int> ReadEntries(Stream vocabulary)
    {
        var entries = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(vocabulary);
        var id = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine(), id++)
            if (line.Length != 0) entries.TryAdd(line, id);
        return entries;
    }
}
