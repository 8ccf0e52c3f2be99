using System.Security.Cryptography;
using System.Text;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// How a browser, which cannot send the admin cookie as a header, is let into the dashboard. Whoever holds the cookie
/// asks for a one-time link (<c>cerebrum dashboard</c>); opening it before it expires turns it into a session of two
/// secrets: a browser cookie (HttpOnly, SameSite=Strict) and a page key that the login redirect hands to the page in
/// the URL fragment, which the page keeps in its origin's storage and sends as a header. Browsers send a localhost
/// cookie to every port of the machine, so the cookie alone could be replayed by whatever else listens there; the page
/// key is scoped to scheme, host and port, and never leaves the page but to this daemon. The API may be read (GET) with
/// both until the session expires or the daemon stops; the page itself (static HTML) with the cookie.
/// Only SHA-256 hashes of links, cookies and keys are kept, so looking one up reveals nothing through timing.
/// </summary>
public sealed class DashboardSessions(TimeProvider time, TimeSpan linkLifetime, TimeSpan sessionLifetime)
{
    /// <summary>Bounds on what is kept, so a flood of requests cannot grow memory without end.</summary>
    private const int MaxLinks = 16;
    private const int MaxSessions = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    public TimeSpan LinkLifetime => linkLifetime;

    public TimeSpan SessionLifetime => sessionLifetime;

    /// <summary>A fresh one-time ticket for the login link, valid for the link lifetime.</summary>
    public string IssueTicket()
    {
        var ticket = NewSecret();
        Add(_links, MaxLinks, Hash(ticket), new Entry(time.GetUtcNow() + linkLifetime, ""));
        return ticket;
    }

    /// <summary>Consumes <paramref name="ticket"/>; returns a new session's cookie and page key, or null when the ticket is unknown, used or expired.</summary>
    public DashboardSession? Redeem(string? ticket)
    {
        if (string.IsNullOrEmpty(ticket)) return null;
        lock (_gate)
        {
            if (!_links.Remove(Hash(ticket), out var link) || link.Expires <= time.GetUtcNow())
                return null;
        }
        var session = new DashboardSession(NewSecret(), NewSecret());
        Add(_sessions, MaxSessions, Hash(session.Cookie), new Entry(time.GetUtcNow() + sessionLifetime, Hash(session.PageKey)));
        return session;
    }

    /// <summary>Whether <paramref name="cookie"/> is a live session's cookie: enough for the page itself.</summary>
    public bool IsSession(string? cookie) => Find(cookie) is not null;

    /// <summary>Whether <paramref name="cookie"/> and <paramref name="pageKey"/> are the two halves of one live session: needed for the API.</summary>
    public bool IsSession(string? cookie, string? pageKey)
    {
        if (string.IsNullOrEmpty(pageKey) || Find(cookie) is not { } session) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(session.PageKeyHash), Encoding.ASCII.GetBytes(Hash(pageKey)));
    }

    private Entry? Find(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie)) return null;
        lock (_gate)
            return _sessions.TryGetValue(Hash(cookie), out var session) && session.Expires > time.GetUtcNow() ? session : null;
    }

    private void Add(Dictionary<string, Entry> entries, int max, string key, Entry entry)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var expired in entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList())
                entries.Remove(expired);
            // Full of live entries: the one closest to expiry gives way.
            if (entries.Count >= max)
                entries.Remove(entries.MinBy(e => e.Value.Expires).Key);
            entries[key] = entry;
        }
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private sealed record Entry(DateTimeOffset Expires, string PageKeyHash);
}

/// <summary>A dashboard session's two secrets: the browser cookie and the page key (see <see cref="DashboardSessions"/>).</summary>
public sealed record DashboardSession(string Cookie, string PageKey);
