using Cerebrum.Tests.Daemon;
using Microsoft.Playwright;

namespace Cerebrum.Tests.Cloud;

/// <summary>
/// Headless Chromium from Debian's <c>chromium</c> package (never a downloaded browser) driven by Microsoft.Playwright,
/// in a fresh profile that is deleted afterwards. Each <see cref="OpenAsync"/> page records the console's errors and the
/// page's uncaught exceptions, which the tests assert are none.
/// </summary>
internal sealed class CloudBrowser : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 860 };

    /// <summary>A phone held upright (CSS pixels of a common 6.1" phone).</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly TemporaryDirectory _profile;

    private CloudBrowser(IPlaywright playwright, IBrowserContext context, TemporaryDirectory profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    public static async Task<CloudBrowser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            Assert.Fail($"{ExecutablePath} is missing: install Debian's chromium package (apt-get install chromium; .ci/run does it)");
        var playwright = await Playwright.CreateAsync();
        var profile = TemporaryDirectory.Create();
        try
        {
            // Playwright takes the profile directory itself (it refuses --user-data-dir among the arguments).
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.Path, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Arguments,
                ViewportSize = Desktop,
                Timeout = 60_000,
            });
            context.SetDefaultTimeout(30_000);
            return new CloudBrowser(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            profile.Dispose();
            throw;
        }
    }

    /// <summary>A new page at <paramref name="viewport"/> (the desktop one by default) whose console errors are collected.</summary>
    public async Task<BrowserPage> OpenAsync(ViewportSize? viewport = null)
    {
        var page = await Context.NewPageAsync();
        await page.SetViewportSizeAsync((viewport ?? Desktop).Width, (viewport ?? Desktop).Height);
        return new BrowserPage(page);
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        _profile.Dispose();
    }
}

/// <summary>A page and the errors it logged: console messages of type error, and uncaught exceptions.</summary>
internal sealed class BrowserPage : IAsyncDisposable
{
    private readonly List<string> _errors = [];

    public BrowserPage(IPage page)
    {
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                lock (_errors) _errors.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) =>
        {
            lock (_errors) _errors.Add($"uncaught: {error}");
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) return [.. _errors]; }
    }

    public async ValueTask DisposeAsync() => await Page.CloseAsync();
}
