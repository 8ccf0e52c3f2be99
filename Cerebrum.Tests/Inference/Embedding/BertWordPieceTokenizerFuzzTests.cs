using System.Runtime.InteropServices;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// The tokenizer takes any string an app sends (any UTF-16, valid or not): it never throws, frames every answer with
/// [CLS] and [SEP], stays within the limit and answers only ids of the vocabulary.
/// </summary>
public class BertWordPieceTokenizerFuzzTests
{
    private static readonly Lazy<BertWordPieceTokenizer> Tokenizer = new(() =>
    {
        using var vocabulary = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!;
        return new BertWordPieceTokenizer(vocabulary);
    });

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Encode_FramesAndBoundsEveryText(int seed)
    {
        var random = new Random(seed);
        var mutator = new ByteMutator(random);
        byte[][] valid = [.. TokenizerCorpus.Texts(200).Select(t => MemoryMarshal.AsBytes(t.AsSpan()).ToArray())];
        for (var i = 0; i < Fuzz.Iterations(300); i++)
        {
            // Mutated UTF-16 of corpus texts, or random code units of the whole range.
            var bytes = i % 2 == 0 ? mutator.Next(valid, 120) : RandomUnits(random);
            var text = new string(MemoryMarshal.Cast<byte, char>(bytes.AsSpan(0, bytes.Length & ~1)));
            var maxTokens = random.Next(2, 300);
            long[] ids = [];
            Fuzz.Check("BertWordPieceTokenizer.Encode", seed, bytes, () => ids = Tokenizer.Value.Encode(text, maxTokens));
            var context = $"seed {seed}, limit {maxTokens}: 0x{Convert.ToHexStringLower(bytes)}";
            Assert.That(ids.Length, Is.InRange(2, maxTokens), context);
            Assert.That((ids[0], ids[^1]), Is.EqualTo((101L, 102L)), context);
            Assert.That(ids, Has.All.InRange(0L, 30521L), context);
        }
    }

    private static byte[] RandomUnits(Random random)
    {
        var units = new char[random.Next(0, 200)];
        for (var k = 0; k < units.Length; k++) units[k] = (char)random.Next(0, 0x10000);
        return MemoryMarshal.AsBytes(units.AsSpan()).ToArray();
    }
}
