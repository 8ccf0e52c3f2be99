using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.ServiceManager;

/// <summary>
/// Feeds systemd's watchdog (<c>WATCHDOG=1</c>) at the interval it asked for, for as long as the host runs. A daemon
/// whose thread pool is starved or deadlocked stops feeding it, and systemd restarts the unit.
/// </summary>
internal sealed class SystemdWatchdogService(SystemdNotifier notifier, TimeSpan interval, TimeProvider time, ILogger<SystemdWatchdogService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Feeding the systemd watchdog every {Interval} ms", (long)interval.TotalMilliseconds);
        using var timer = new PeriodicTimer(interval, time);
        var failing = false;
        do
        {
            try
            {
                notifier.Notify("WATCHDOG=1");
                if (failing)
                    logger.LogInformation("The systemd watchdog is fed again");
                failing = false;
            }
            catch (SocketException e)
            {
                // Logged once per outage, not every tick: the manager restarting is not our failure.
                if (!failing)
                    logger.LogWarning("Cannot feed the systemd watchdog at {Socket}: {Reason}", notifier.SocketName, e.Message);
                failing = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
