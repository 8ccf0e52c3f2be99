using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Daemon.Configuration;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Network;

/// <summary>
/// Keeps one bootstrap peer connected: dials it, waits while the connection lives, and re-dials after failures or
/// disconnects on the host's dial backoff schedule (<see cref="NetworkOptions.DialBackoffBase"/> doubling up to
/// <see cref="NetworkOptions.DialBackoffMax"/>, reset by a successful dial), so its retries are not refused as backed off.
/// </summary>
/// <remarks>A <c>/dnsaddr</c> address is first resolved through DNS TXT records (retried on the same schedule until it
/// names peers), then each peer it names is kept connected the same way.</remarks>
public sealed class BootstrapDialer(PeerHost host, Multiaddress address, NetworkOptions options, TimeProvider time, ILogger logger, DnsaddrResolver dnsaddr)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (DnsaddrResolver.IsDnsaddr(address))
        {
            var peers = await ResolveAsync(cancellationToken);
            await Task.WhenAll(peers.Select(peer => new BootstrapDialer(host, peer, options, time, logger, dnsaddr).RunAsync(cancellationToken)));
            return;
        }
        await KeepConnectedAsync(cancellationToken);
    }

    /// <summary>The peers <see cref="address"/> names (with /p2p, and that peer when it names one); empty only when stopping.</summary>
    private async Task<IReadOnlyList<Multiaddress>> ResolveAsync(CancellationToken cancellationToken)
    {
        var delay = options.DialBackoffBase;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var wanted = address.PeerId;
                var resolved = (await dnsaddr.ResolveAsync(address, cancellationToken))
                    .Where(a => a.PeerId is not null && (wanted is null || a.PeerId == wanted) && !DnsaddrResolver.IsDnsaddr(a))
                    .ToList();
                if (resolved.Count > 0)
                {
                    logger.LogInformation("Bootstrap {Address} names {Peers}", address, string.Join(", ", resolved));
                    return resolved;
                }
                logger.LogWarning("Bootstrap {Address}: its TXT records name no peer; retrying in {Delay}", address, delay);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return [];
            }
            catch (DnsException e)
            {
                logger.LogWarning("Bootstrap {Address}: {Reason}; retrying in {Delay}", address, e.Message, delay);
            }
            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return [];
            }
            delay = delay * 2 < options.DialBackoffMax ? delay * 2 : options.DialBackoffMax;
        }
        return [];
    }

    private async Task KeepConnectedAsync(CancellationToken cancellationToken)
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
