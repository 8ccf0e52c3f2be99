using Cerebrum.Daemon.ServiceManager;

namespace Cerebrum.Tests.Daemon.ServiceManager;

[TestFixture]
[Platform("Linux", Reason = "sd_notify is a Linux protocol; the notifier is off elsewhere")]
public sealed class SystemdNotifierTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Func<string, string?> Variables(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Test]
    public async Task Notify_SendsTheAssignmentsAsOneDatagram_ToASocketPath()
    {
        using var directory = TemporaryDirectory.Create();
        using var receiver = new NotifySocketReceiver(Path.Combine(directory.Path, "notify"));
        using var notifier = SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", receiver.Name)));
        Assert.That(notifier, Is.Not.Null);

        notifier!.Notify("READY=1", "STATUS=listening on /ip4/127.0.0.1/tcp/4001");

        Assert.That(await receiver.ReceiveAsync(Timeout), Is.EqualTo("READY=1\nSTATUS=listening on /ip4/127.0.0.1/tcp/4001\n"));
    }

    [Test]
    public async Task Notify_ReachesAnAbstractSocket_NamedWithAnAt()
    {
        using var receiver = new NotifySocketReceiver($"@cerebrum-test-{Guid.NewGuid():N}");
        using var notifier = SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", receiver.Name)))!;

        notifier.Notify("WATCHDOG=1");

        Assert.That(await receiver.ReceiveAsync(Timeout), Is.EqualTo("WATCHDOG=1\n"));
    }

    [Test]
    public async Task Notify_KeepsANewlineInAValue_FromStartingAnotherAssignment()
    {
        using var receiver = new NotifySocketReceiver($"@cerebrum-test-{Guid.NewGuid():N}");
        using var notifier = SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", receiver.Name)))!;

        notifier.Notify("STATUS=line one\nREADY=1");

        Assert.That(await receiver.ReceiveAsync(Timeout), Is.EqualTo("STATUS=line one READY=1\n"));
    }

    [TestCase("READY")]
    [TestCase("=1")]
    [TestCase("")]
    public void Notify_RefusesTextThatIsNotAnAssignment(string assignment)
    {
        using var notifier = SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", "@cerebrum-test-unbound")))!;

        Assert.That(() => notifier.Notify(assignment), Throws.ArgumentException.With.Message.Contains("KEY=VALUE"));
    }

    [Test]
    public void Notify_ToASocketNobodyListensOn_ThrowsASocketException()
    {
        using var directory = TemporaryDirectory.Create();
        using var notifier = SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", Path.Combine(directory.Path, "gone"))))!;

        Assert.That(() => notifier.Notify("READY=1"), Throws.InstanceOf<System.Net.Sockets.SocketException>());
    }

    [Test]
    public void FromEnvironment_WithoutNotifySocket_IsNull()
    {
        Assert.That(SystemdNotifier.FromEnvironment(Variables()), Is.Null);
        Assert.That(SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", ""))), Is.Null);
    }

    [TestCase("relative/notify")]
    [TestCase("vsock:2:1234")]
    public void FromEnvironment_RefusesANameThatIsNotAUnixSocket(string name)
    {
        Assert.That(() => SystemdNotifier.FromEnvironment(Variables(("NOTIFY_SOCKET", name))),
            Throws.ArgumentException.With.Message.Contains(name));
    }

    [Test]
    public void WatchdogInterval_IsHalfOfWatchdogUsec()
    {
        Assert.That(SystemdNotifier.WatchdogInterval(Variables(("WATCHDOG_USEC", "30000000")), 42), Is.EqualTo(TimeSpan.FromSeconds(15)));
        Assert.That(SystemdNotifier.WatchdogInterval(Variables(("WATCHDOG_USEC", "300000"), ("WATCHDOG_PID", "42")), 42),
            Is.EqualTo(TimeSpan.FromMilliseconds(150)));
    }

    [Test]
    public void WatchdogInterval_IsNull_WithoutAWatchdog_OrForAnotherProcess()
    {
        Assert.That(SystemdNotifier.WatchdogInterval(Variables(), 42), Is.Null);
        Assert.That(SystemdNotifier.WatchdogInterval(Variables(("WATCHDOG_USEC", "300000"), ("WATCHDOG_PID", "41")), 42), Is.Null);
    }

    [TestCase("WATCHDOG_USEC", "0")]
    [TestCase("WATCHDOG_USEC", "-5")]
    [TestCase("WATCHDOG_USEC", "30s")]
    [TestCase("WATCHDOG_PID", "self")]
    public void WatchdogInterval_RefusesMalformedValues(string name, string value)
    {
        var variables = name == "WATCHDOG_USEC" ? Variables((name, value)) : Variables(("WATCHDOG_USEC", "1000000"), (name, value));

        Assert.That(() => SystemdNotifier.WatchdogInterval(variables, 42), Throws.ArgumentException.With.Message.Contains(name));
    }

    [Test]
    public void Environment_WithAMalformedVariable_ReportsAProblem_AndRunsWithoutThatFeature()
    {
        using var environment = SystemdEnvironment.Read(Variables(("NOTIFY_SOCKET", "notify"), ("WATCHDOG_USEC", "soon")), 42, () => null);

        Assert.That(environment.Notifier, Is.Null);
        Assert.That(environment.WatchdogInterval, Is.Null);
        Assert.That(environment.Problems, Has.Count.EqualTo(2));
        Assert.That(environment.Problems, Has.Some.Contains("not notifying the service manager"));
        Assert.That(environment.Problems, Has.Some.Contains("the watchdog is not fed"));
    }

    [Test]
    public void Environment_HasNoWatchdog_WithoutANotifySocket()
    {
        using var environment = SystemdEnvironment.Read(Variables(("WATCHDOG_USEC", "1000000")), 42, () => null);

        Assert.That(environment.WatchdogInterval, Is.Null, "the watchdog is fed through the notify socket");
        Assert.That(environment.Problems, Is.Empty);
    }

    [Test]
    public void StandardErrorTarget_IsTheRawLinkText_AsJournalStreamIsCompared()
    {
        var target = SystemdEnvironment.StandardErrorTarget();

        Assert.That(target, Is.Not.Null.And.Not.Empty);
        Assert.That(target, Does.Not.StartWith("/proc/self/fd"), "socket:[N] and pipe:[N] are not paths under /proc/self/fd");
    }

    [TestCase("8:12345", "socket:[12345]", true)]
    [TestCase("8:12345", "socket:[54321]", false)]
    [TestCase("8:12345", "/var/log/cerebrumd.log", false)]
    [TestCase("8:12345", null, true)]
    [TestCase("12345", "socket:[12345]", false)]
    [TestCase("8:x", "socket:[12345]", false)]
    [TestCase(null, "socket:[12345]", false)]
    public void Journal_IsStandardError_OnlyWhenFd2IsTheNamedSocket(string? journalStream, string? standardError, bool expected)
    {
        Assert.That(SystemdEnvironment.IsJournal(journalStream, () => standardError), Is.EqualTo(expected));
    }
}
