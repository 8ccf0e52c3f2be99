using System.Security.Cryptography;
using System.Text;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// How a browser, which cannot send the admin cookie as a header, is let into the dashboard. Whoever holds the cookie
/// asks for a one-time link (<c>cerebrum dashboard</c>); opening it before it expires turns it into a session, kept in
/// an HttpOnly, SameSite=Strict browser cookie, that may read (GET) the admin API until it expires or the daemon stops.
/// Only SHA-256 hashes of links and sessions are kept, so looking one up reveals nothing through timing.
/// </summary>
public sealed class DashboardSessions(TimeProvider time, TimeSpan linkLifetime, TimeSpan sessionLifetime)
{
    /// <summary>Bounds on what is kept, so a flood of requests cannot grow memory without end.</summary>
    private const int MaxLinks = 16;
    private const int MaxSessions = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);

    public TimeSpan LinkLifetime => linkLifetime;

    public TimeSpan SessionLifetime => sessionLifetime;

    /// <summary>A fresh one-time ticket for the login link, valid for the link lifetime.</summary>
    public string IssueTicket() => Add(_links, MaxLinks, linkLifetime);

    /// <summary>Consumes <paramref name="ticket"/>; returns a new session token, or null when the ticket is unknown, used or expired.</summary>
    public string? Redeem(string? ticket)
    {
        if (string.IsNullOrEmpty(ticket)) return null;
        lock (_gate)
        {
            if (!_links.Remove(Hash(ticket), out var expires) || expires <= time.GetUtcNow())
                return null;
        }
        return Add(_sessions, MaxSessions, sessionLifetime);
    }

    public bool IsSession(string? token)
    {
        if (string.IsNullOrEmpty(token)) return false;
        lock (_gate)
            return _sessions.TryGetValue(Hash(token), out var expires) && expires > time.GetUtcNow();
    }

    private string Add(Dictionary<string, DateTimeOffset> entries, int max, TimeSpan lifetime)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var expired in entries.Where(e => e.Value <= now).Select(e => e.Key).ToList())
                entries.Remove(expired);
            // Full of live entries: the one closest to expiry gives way.
            if (entries.Count >= max)
                entries.Remove(entries.MinBy(e => e.Value).Key);
            entries[Hash(token)] = now + lifetime;
        }
        return token;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
