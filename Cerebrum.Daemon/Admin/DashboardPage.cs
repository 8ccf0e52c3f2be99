using System.Reflection;

namespace Cerebrum.Daemon.Admin;

/// <summary>The dashboard page: one self-contained HTML file (inline CSS and JS, nothing fetched from elsewhere), embedded in the daemon.</summary>
public static class DashboardPage
{
    private const string ResourceName = "Cerebrum.Daemon.Admin.Dashboard.html";

    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the daemon was built without its dashboard page ({ResourceName})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
