using Cerebrum.Daemon.Admin;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Daemon;

/// <summary>The one-time links and sessions that let a browser into the dashboard (<see cref="DashboardSessions"/>).</summary>
[TestFixture]
public sealed class DashboardSessionsTests
{
    private static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);
    private FakeTimeProvider _time = null!;
    private DashboardSessions _sessions = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _sessions = new DashboardSessions(_time, LinkLifetime, SessionLifetime);
    }

    [Test]
    public void Ticket_RedeemsOnceIntoAValidSession()
    {
        var ticket = _sessions.IssueTicket();

        var session = _sessions.Redeem(ticket)!;

        Assert.That(session.Cookie, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(session.PageKey, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(new[] { session.Cookie, session.PageKey }, Has.None.EqualTo(ticket));
        Assert.That(session.PageKey, Is.Not.EqualTo(session.Cookie));
        Assert.That(_sessions.IsSession(session.Cookie), Is.True);
        Assert.That(_sessions.IsSession(session.Cookie, session.PageKey), Is.True);
        Assert.That(_sessions.Redeem(ticket), Is.Null, "a link works once");
    }

    [Test]
    public void Ticket_IsNotASession()
    {
        var ticket = _sessions.IssueTicket();

        Assert.That(_sessions.IsSession(ticket), Is.False);
    }

    [Test]
    public void ExpiredTicket_IsRefused()
    {
        var ticket = _sessions.IssueTicket();

        _time.Advance(LinkLifetime);

        Assert.That(_sessions.Redeem(ticket), Is.Null);
    }

    [Test]
    public void Session_EndsAfterItsLifetime()
    {
        var session = _sessions.Redeem(_sessions.IssueTicket())!;

        _time.Advance(SessionLifetime - TimeSpan.FromSeconds(1));
        Assert.That(_sessions.IsSession(session.Cookie, session.PageKey), Is.True);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_sessions.IsSession(session.Cookie), Is.False);
        Assert.That(_sessions.IsSession(session.Cookie, session.PageKey), Is.False);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000")]
    public void UnknownTicketOrSession_IsRefused(string? value)
    {
        Assert.That(_sessions.Redeem(value), Is.Null);
        Assert.That(_sessions.IsSession(value), Is.False);
        Assert.That(_sessions.IsSession(value, value), Is.False);
    }

    [Test]
    public void TheCookieAlone_OrWithAnotherSessionsKey_IsNotASessionForTheApi()
    {
        var mine = _sessions.Redeem(_sessions.IssueTicket())!;
        var other = _sessions.Redeem(_sessions.IssueTicket())!;

        Assert.That(_sessions.IsSession(mine.Cookie, null), Is.False);
        Assert.That(_sessions.IsSession(mine.Cookie, ""), Is.False);
        Assert.That(_sessions.IsSession(mine.Cookie, other.PageKey), Is.False);
        Assert.That(_sessions.IsSession(mine.PageKey, mine.PageKey), Is.False, "the key is not a cookie");
    }

    [Test]
    public void ManyTickets_KeepOnlyTheNewestSixteen()
    {
        var first = _sessions.IssueTicket();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var later = Enumerable.Range(0, 16).Select(_ =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            return _sessions.IssueTicket();
        }).ToList();

        Assert.That(_sessions.Redeem(first), Is.Null, "the oldest link gave way");
        Assert.That(_sessions.Redeem(later[^1]), Is.Not.Null);
    }
}
