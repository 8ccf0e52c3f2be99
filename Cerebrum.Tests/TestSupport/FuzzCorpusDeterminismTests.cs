using System.Text.RegularExpressions;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// A fuzz seed reproduces a failure only if every input the target mutates is the same in every run: no fuzz file may
/// draw a random key, read the clock, make a GUID or an unseeded <see cref="Random"/> for its corpus. (A plain test that
/// lives in a fuzz file and needs "now" says so at the end of the line.)
/// </summary>
[TestFixture]
public sealed partial class FuzzCorpusDeterminismTests
{
    [Test]
    public void NoFuzzTarget_BuildsItsCorpusFromRandomKeysOrTheClock()
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "Cerebrum.Tests"), "*FuzzTests.cs", SearchOption.AllDirectories).ToList();
        Assert.That(files, Has.Count.GreaterThanOrEqualTo(22), "the fuzz targets were found");

        var offences = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line.Trim())))
            .Where(l => Nondeterministic().IsMatch(l.Text) && !l.Text.EndsWith("// clock: a deadline test, not a fuzz corpus", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();

        Assert.That(offences, Is.Empty, "use Fuzz.Key(label, type), fixed times and new Random(seed)");
    }

    [Test]
    public void FuzzKeys_AreTheSameForTheSameLabel_AndDifferForAnother()
    {
        using var a = Fuzz.Key("label", Core.Crypto.KeyType.Secp256k1);
        using var b = Fuzz.Key("label", Core.Crypto.KeyType.Secp256k1);
        using var c = Fuzz.Key("other", Core.Crypto.KeyType.Secp256k1);

        Assert.That(b.ExportRaw(), Is.EqualTo(a.ExportRaw()));
        Assert.That(c.ExportRaw(), Is.Not.EqualTo(a.ExportRaw()));
    }

    [GeneratedRegex(@"PrivateKey\.Generate|\w+PrivateKey\.Generate|DateTime(Offset)?\.(Utc)?Now|Guid\.NewGuid|new Random\(\)|Random\.Shared|RandomNumberGenerator|Stopwatch\.GetTimestamp")]
    private static partial Regex Nondeterministic();
}
