using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Relay;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Cli.Network;

/// <summary>
/// A connection to one peer from a throwaway Ed25519 identity with its own dial-only host, for the commands that
/// probe peers directly (ping, identify, perf). A /p2p-circuit address is dialled through its relay (circuit relay v2,
/// as a client only), e.g. to compare a peer's relayed throughput with its direct one. Dial failures become one-line
/// <see cref="CommandFailedException"/>s.
/// </summary>
public sealed class DirectConnection : IAsyncDisposable
{
    public const string AgentVersion = "cerebrum-cli/0.1.0";

    private readonly PrivateKey _identity;

    private DirectConnection(PrivateKey identity, PeerHost host, Connection connection)
    {
        _identity = identity;
        Host = host;
        Connection = connection;
    }

    public PeerHost Host { get; }

    public Connection Connection { get; }

    /// <param name="timeout">Bounds the dial: TCP connect plus the Noise and Yamux handshakes.</param>
    public static async Task<DirectConnection> OpenAsync(string addressText, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Multiaddress.TryParse(addressText, out var address, out var parseError))
            throw new CommandFailedException($"invalid address: {parseError}");
        var identity = PrivateKey.Generate(KeyType.Ed25519);
        var host = new PeerHost(new PeerHostOptions
        {
            Identity = identity,
            AgentVersion = AgentVersion,
            DialTimeout = timeout,
            HandshakeTimeout = timeout,
            StreamNegotiationTimeout = timeout,
            DialBackoffBase = TimeSpan.Zero,
            PingInterval = TimeSpan.Zero, // the commands ping explicitly; no background pings to skew them
        }, NullLoggerFactory.Instance);
        try
        {
            host.AddService(new RelayService(host, new RelayServiceOptions(), NullLogger.Instance));
            await host.StartAsync(cancellationToken);
            using var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            dialTimeout.CancelAfter(timeout * 2);
            var connection = await host.DialAsync(address, dialTimeout.Token);
            return new DirectConnection(identity, host, connection);
        }
        catch (Exception e)
        {
            await host.DisposeAsync();
            identity.Dispose();
            throw e switch
            {
                DialException dial => new CommandFailedException(DialFailureText.Describe(dial)),
                OperationCanceledException when !cancellationToken.IsCancellationRequested =>
                    new CommandFailedException($"unreachable: no connection to {address} within {(timeout * 2).TotalSeconds:0.#} s"),
                _ => e,
            };
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _identity.Dispose();
    }
}
