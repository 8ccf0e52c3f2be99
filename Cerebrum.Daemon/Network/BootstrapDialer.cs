using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Daemon.Configuration;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Network;

/// <summary>
/// Keeps one bootstrap peer connected: dials it, waits while the connection lives, and re-dials after failures or
/// disconnects on the host's dial backoff schedule (<see cref="NetworkOptions.DialBackoffBase"/> doubling up to
/// <see cref="NetworkOptions.DialBackoffMax"/>, reset by a successful dial), so its retries are not refused as backed off.
/// </summary>
public sealed class BootstrapDialer(PeerHost host, Multiaddress address, NetworkOptions options, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = options.DialBackoffBase;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await host.DialAsync(address, cancellationToken);
                logger.LogInformation("Connected to bootstrap peer {Address}", address);
                delay = options.DialBackoffBase;
                await connection.Completion.WaitAsync(cancellationToken);
                logger.LogInformation("Bootstrap peer {Address} disconnected", address);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (DialException e) when (e.Reason == DialFailureReason.HostStopped)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Bootstrap peer {Address}: {Reason}; retrying in {Delay}", address, e.Message, delay);
            }
            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = delay * 2 < options.DialBackoffMax ? delay * 2 : options.DialBackoffMax;
        }
    }
}
