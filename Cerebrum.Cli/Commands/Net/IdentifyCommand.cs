using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Identify;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net identify</c>: runs libp2p identify (/ipfs/id/1.0.0) against a peer.</summary>
public static class IdentifyCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("identify");
        var jsonOption = CommonOptions.Json("the identify result (peerId, agentVersion, protocolVersion, protocols, listenAddrs, observedAddr, publicKey as hex of its protobuf)");
        var timeoutOption = CommonOptions.Timeout();
        var command = new Command("identify", "Dial a peer with a throwaway Ed25519 identity and show what it says about itself over the libp2p identify protocol (/ipfs/id/1.0.0): peer ID, agent and protocol versions, supported protocols, listen addresses and the address it observes us at.")
        {
            addressArgument,
            jsonOption,
            timeoutOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            await using var peer = await DirectConnection.OpenAsync(parseResult.GetValue(addressArgument)!, timeout, cancellationToken);
            using var identifyTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            identifyTimeout.CancelAfter(timeout);
            IdentifyResult result;
            try
            {
                result = await peer.Host.IdentifyAsync(peer.Connection, identifyTimeout.Token);
            }
            catch (ProtocolNotSupportedException)
            {
                throw new CommandFailedException(DialFailureText.ProtocolNotSupported(IdentifyService.ProtocolId));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CommandFailedException($"timeout: no identify answer from {peer.Connection.RemotePeer} within {timeout.TotalSeconds:0.#} s");
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ObjectDisposedException)
            {
                throw new CommandFailedException($"identify failed: {e.Message}");
            }

            var output = new IdentifyOutput(
                PeerId: result.PeerId.ToString(),
                AgentVersion: result.AgentVersion,
                ProtocolVersion: result.ProtocolVersion,
                Protocols: result.Protocols,
                ListenAddrs: [.. result.ListenAddresses.Select(a => a.ToString())],
                ObservedAddr: result.ObservedAddress?.ToString(),
                PublicKey: Convert.ToHexStringLower((result.PublicKey ?? peer.Connection.RemotePublicKey).ToProtobuf()));
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(output, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync($"peer id           {output.PeerId}");
            await stdout.WriteLineAsync($"agent version     {output.AgentVersion ?? "-"}");
            await stdout.WriteLineAsync($"protocol version  {output.ProtocolVersion ?? "-"}");
            await WriteListAsync(stdout, "protocols", output.Protocols);
            await WriteListAsync(stdout, "listen addrs", output.ListenAddrs);
            await stdout.WriteLineAsync($"observed addr     {output.ObservedAddr ?? "-"}");
            return 0;
        });
        return command;
    }

    private static async Task WriteListAsync(TextWriter output, string label, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            await output.WriteLineAsync($"{label,-16}  -");
            return;
        }
        for (var i = 0; i < values.Count; i++)
            await output.WriteLineAsync($"{(i == 0 ? label : ""),-16}  {values[i]}");
    }
}
