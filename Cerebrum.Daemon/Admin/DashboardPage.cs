using System.Reflection;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// The dashboard: one HTML page with its styles, and its script as a file of its own (so that the page's Content Security
/// Policy allows no inline script), both embedded in the daemon; nothing is fetched from elsewhere.
/// </summary>
public static class DashboardPage
{
    public static string Html { get; } = Load("Cerebrum.Daemon.Admin.Dashboard.html");

    public static string Script { get; } = Load("Cerebrum.Daemon.Admin.Dashboard.js");

    private static string Load(string resourceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"the daemon was built without its dashboard ({resourceName})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
