using System.Text.RegularExpressions;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests;

/// <summary>Every source file declares the namespace its folder names (the team standard), so a type's namespace says where it lives.</summary>
[TestFixture]
public sealed partial class NamespacesMatchFoldersTests
{
    [TestCase("Cerebrum.Core/Multiformats")]
    [TestCase("Cerebrum.Core/Crypto")]
    [TestCase("Cerebrum.Core/Network")]
    [TestCase("Cerebrum.Tests/Network")]
    public void Every_file_declares_its_folders_namespace(string folder)
    {
        var root = RepositoryRoot.Path;
        var files = Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.That(files, Is.Not.Empty);

        var wrong = files
            .Select(f => (File: Path.GetRelativePath(root, f), Declared: FileScopedNamespace().Match(File.ReadAllText(f)).Groups[1].Value,
                Expected: Path.GetRelativePath(root, Path.GetDirectoryName(f)!).Replace(Path.DirectorySeparatorChar, '.')))
            .Where(f => f.Declared != f.Expected)
            .Select(f => $"{f.File}: namespace '{f.Declared}', folder '{f.Expected}'")
            .ToArray();

        Assert.That(wrong, Is.Empty);
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();
}
