using System.Text.RegularExpressions;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Gateway;

/// <summary>The gateway talks to the inference layer through its domain types, never through its wire (protobuf) types.</summary>
[TestFixture]
public sealed partial class GatewayLayeringTests
{
    [Test]
    public void TheGatewayLayer_ImportsNoInferenceWireTypes()
    {
        var gateway = Path.Combine(RepositoryRoot.Path, "Cerebrum.Core", "Gateway");
        var files = Directory.GetFiles(gateway, "*.cs", SearchOption.AllDirectories);

        var offenders = files
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (File: Path.GetRelativePath(RepositoryRoot.Path, file), Line: i + 1, Text: line)))
            .Where(l => WireNamespace().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.That(files, Is.Not.Empty);
        Assert.That(offenders, Is.Empty);
    }

    // The generated protobuf classes of Cerebrum.Core/Inference live in its *.Proto namespaces.
    [GeneratedRegex(@"Cerebrum\.Core\.Inference(\.\w+)*\.Proto\b")]
    private static partial Regex WireNamespace();
}
