namespace Cerebrum.Tests.TestSupport;

/// <summary>Finds the repository root (the folder holding Cerebrum.sln) from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Cerebrum.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cerebrum.sln not found above " + AppContext.BaseDirectory);
    }
}
