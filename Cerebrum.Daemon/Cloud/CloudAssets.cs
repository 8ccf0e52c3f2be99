using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// The web app's files, embedded in the daemon (nothing is fetched from elsewhere): the page, its one script, its one
/// style sheet and its icon, each with its content type and an ETag from its SHA-256.
/// </summary>
public static class CloudAssets
{
    private const string ResourcePrefix = "Cerebrum.Daemon.Cloud.Assets.";

    private static readonly FrozenDictionary<string, Asset> Files = new Dictionary<string, Asset>(StringComparer.Ordinal)
    {
        ["index.html"] = Load("index.html", "text/html; charset=utf-8"),
        ["app.js"] = Load("app.js", "text/javascript; charset=utf-8"),
        ["app.css"] = Load("app.css", "text/css; charset=utf-8"),
        ["icon.svg"] = Load("icon.svg", "image/svg+xml"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Asset OpenPage = Mark(Files["index.html"], "open", selfService: false);
    private static readonly Asset KeyedPage = Mark(Files["index.html"], "key", selfService: false);
    private static readonly Asset SelfServicePage = Mark(Files["index.html"], "key", selfService: true);

    /// <summary>The file named <paramref name="name"/> (e.g. "app.js"), or null when the app has no such file.</summary>
    public static Asset? Find(string name) => Files.GetValueOrDefault(name);

    /// <summary>
    /// The page, marked <c>&lt;html data-access="open|key" data-self-service="on|off"&gt;</c> so that its script knows,
    /// before it asks for any data, whether this gateway needs an API key (and asks the visitor for one rather than send
    /// requests refused with 401) and whether a visitor without one may create one.
    /// </summary>
    public static Asset Page(bool open, bool selfService = false) => open ? OpenPage : selfService ? SelfServicePage : KeyedPage;

    private static Asset Mark(Asset page, string access, bool selfService)
    {
        const string tag = "<html lang=\"en\">";
        var html = System.Text.Encoding.UTF8.GetString(page.Content);
        if (!html.Contains(tag, StringComparison.Ordinal))
            throw new InvalidOperationException($"Cerebrum Cloud's index.html has no {tag}");
        var marked = $"<html lang=\"en\" data-access=\"{access}\" data-self-service=\"{(selfService ? "on" : "off")}\">";
        return Create(System.Text.Encoding.UTF8.GetBytes(html.Replace(tag, marked, StringComparison.Ordinal)), page.ContentType);
    }

    public static IEnumerable<string> Names => Files.Keys;

    private static Asset Load(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"the daemon was built without Cerebrum Cloud's {name}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Create(buffer.ToArray(), contentType);
    }

    private static Asset Create(byte[] bytes, string contentType) =>
        new(bytes, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");

    public sealed record Asset(byte[] Content, string ContentType, string ETag);
}
