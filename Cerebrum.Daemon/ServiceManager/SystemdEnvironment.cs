using System.Globalization;

namespace Cerebrum.Daemon.ServiceManager;

/// <summary>
/// What systemd asked of this process through its environment, read once at start-up: where to send state
/// notifications, how often to feed the watchdog, and whether standard error is the journal. A malformed variable
/// is a <see cref="Problems"/> entry, logged once the host logs; the daemon runs on without that feature.
/// </summary>
public sealed class SystemdEnvironment : IDisposable
{
    private SystemdEnvironment(SystemdNotifier? notifier, TimeSpan? watchdogInterval, bool logsToJournal, IReadOnlyList<string> problems)
    {
        Notifier = notifier;
        WatchdogInterval = notifier is null ? null : watchdogInterval;
        LogsToJournal = logsToJournal;
        Problems = problems;
    }

    /// <summary>Null unless started by a service manager with <c>NotifyAccess=</c> (a unit of <c>Type=notify</c>).</summary>
    public SystemdNotifier? Notifier { get; }

    /// <summary>How often to send <c>WATCHDOG=1</c>; null unless the unit sets <c>WatchdogSec=</c>.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>Standard error is connected to the journal (JOURNAL_STREAM names it), so log lines carry syslog priorities.</summary>
    public bool LogsToJournal { get; }

    public IReadOnlyList<string> Problems { get; }

    /// <summary>No service manager: nothing to notify, no watchdog, plain console logs.</summary>
    public static SystemdEnvironment None { get; } = new(null, null, false, []);

    public static SystemdEnvironment FromProcess() =>
        Read(Environment.GetEnvironmentVariable, Environment.ProcessId, StandardErrorTarget);

    /// <param name="standardErrorTarget">What file descriptor 2 refers to, as /proc/self/fd/2 shows it (e.g. <c>socket:[1234]</c>); null when unknown.</param>
    public static SystemdEnvironment Read(Func<string, string?> getVariable, int processId, Func<string?> standardErrorTarget)
    {
        var problems = new List<string>();
        SystemdNotifier? notifier = null;
        TimeSpan? watchdog = null;
        try
        {
            notifier = SystemdNotifier.FromEnvironment(getVariable);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message + "; not notifying the service manager");
        }
        try
        {
            watchdog = SystemdNotifier.WatchdogInterval(getVariable, processId);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message + "; the watchdog is not fed");
        }
        return new SystemdEnvironment(notifier, watchdog, IsJournal(getVariable("JOURNAL_STREAM"), standardErrorTarget), problems);
    }

    /// <summary>
    /// JOURNAL_STREAM is "device:inode" of the journal's stream socket. It is inherited by children whose stderr may
    /// point elsewhere (a shell redirect), so it counts only when fd 2 is that very socket.
    /// </summary>
    internal static bool IsJournal(string? journalStream, Func<string?> standardErrorTarget)
    {
        if (string.IsNullOrEmpty(journalStream))
            return false;
        var colon = journalStream.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !ulong.TryParse(journalStream.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            return false;
        var target = standardErrorTarget();
        if (target is null)
            return true;
        return target == $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]";
    }

    /// <summary>The raw text of the /proc/self/fd/2 link (<c>socket:[1234]</c>, <c>pipe:[5678]</c>, a file's path).</summary>
    internal static string? StandardErrorTarget()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            // LinkTarget, not ResolveLinkTarget: the latter resolves "socket:[1234]" as a path relative to /proc/self/fd.
            return new FileInfo("/proc/self/fd/2").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!ReferenceEquals(this, None))
            Notifier?.Dispose();
    }
}
