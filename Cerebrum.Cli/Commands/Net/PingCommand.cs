using System.CommandLine;
using Cerebrum.Cli.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Ping;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net ping</c>: libp2p ping (/ipfs/ping/1.0.0) from a throwaway Ed25519 identity.</summary>
public static class PingCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("ping");
        var countOption = new Option<int>("--count", "-c")
        {
            Description = "Number of pings to send.",
            HelpName = "N",
            DefaultValueFactory = _ => 4,
        };
        countOption.Check(value => value < 1 ? "--count must be at least 1" : null);
        var intervalOption = new Option<double>("--interval", "-i")
        {
            Description = "Seconds to wait between pings (0 sends the next as soon as the previous pong arrives).",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 1,
        };
        intervalOption.Check(value => value < 0 ? "--interval must not be negative" : null);
        var timeoutOption = CommonOptions.Timeout();
        var command = new Command("ping", "Dial a peer with a throwaway Ed25519 identity and measure round-trip times with the libp2p ping protocol (/ipfs/ping/1.0.0). Prints 'pong from <peer-id> time=<ms> ms' per ping; on failure prints one 'error: …' line (unreachable, handshake failed, peer ID mismatch, protocol not supported) and exits non-zero.")
        {
            addressArgument,
            countOption,
            intervalOption,
            timeoutOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            var interval = TimeSpan.FromSeconds(parseResult.GetValue(intervalOption));
            var count = parseResult.GetValue(countOption);
            await using var peer = await DirectConnection.OpenAsync(parseResult.GetValue(addressArgument)!, timeout, cancellationToken);
            var remote = peer.Connection.RemotePeer;
            for (var i = 0; i < count; i++)
            {
                if (i > 0 && interval > TimeSpan.Zero)
                    await Task.Delay(interval, cancellationToken);
                using var pingTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                pingTimeout.CancelAfter(timeout);
                TimeSpan rtt;
                try
                {
                    rtt = await peer.Host.PingAsync(peer.Connection, pingTimeout.Token);
                }
                catch (ProtocolNotSupportedException)
                {
                    throw new CommandFailedException(DialFailureText.ProtocolNotSupported(PingService.ProtocolId));
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new CommandFailedException($"timeout: no pong from {remote} within {timeout.TotalSeconds:0.#} s");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException or InvalidOperationException)
                {
                    throw new CommandFailedException($"ping failed: {e.Message}");
                }
                await stdout.WriteLineAsync($"pong from {remote} time={TextFormat.Milliseconds(rtt.TotalMilliseconds)} ms");
            }
            return 0;
        });
        return command;
    }
}
