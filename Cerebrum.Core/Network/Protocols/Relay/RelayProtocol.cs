using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// Circuit relay v2 over streams (the I/O edge of <see cref="RelayServer"/> and <see cref="RelayClient"/>): each hop or
/// stop stream carries one length-prefixed request and one answer; an accepted CONNECT turns both streams into the
/// relayed connection. Opening streams is the caller's (the host's), given as delegates.
/// </summary>
public static class RelayProtocol
{
    /// <summary>Makes (or refreshes) a reservation on the relay at the other end of <paramref name="hop"/>.</summary>
    /// <exception cref="RelayRefusedException">The relay refused.</exception>
    /// <exception cref="InvalidDataException">The relay's answer was missing, malformed or its voucher wrong.</exception>
    public static async Task<RelayReservation> ReserveAsync(Stream hop, RelayClient client, PeerId relay, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hop);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        await LengthPrefixedMessage.WriteAsync(hop, RelayMessages.EncodeReserve(), ct).ConfigureAwait(false);
        var answer = await ReadAsync(hop, "the relay", ct).ConfigureAwait(false);
        try
        {
            return client.Accept(relay, answer, time.GetUtcNow());
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>Asks the relay to connect us to <paramref name="target"/>; on success <paramref name="hop"/> is the relayed connection, under the returned limit.</summary>
    /// <exception cref="RelayRefusedException">The relay refused (no reservation, limits, the target refused).</exception>
    /// <exception cref="InvalidDataException">The relay's answer was missing or malformed.</exception>
    public static async Task<RelayLimit> ConnectAsync(Stream hop, PeerId target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hop);
        await LengthPrefixedMessage.WriteAsync(hop, RelayMessages.EncodeConnect(target), ct).ConfigureAwait(false);
        HopResponse response;
        try
        {
            response = RelayMessages.ParseHopResponse(await ReadAsync(hop, "the relay", ct).ConfigureAwait(false));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        return response.Status == RelayStatus.Ok ? response.Limit : throw new RelayRefusedException(response.Status);
    }

    /// <summary>
    /// Answers a stop CONNECT from <paramref name="relay"/>: the request when accepted (<paramref name="stop"/> is then
    /// the relayed connection from its source), null when refused (the refusal was sent).
    /// </summary>
    public static async Task<StopRequest?> AcceptStopAsync(Stream stop, RelayClient client, PeerId relay, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stop);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        byte[] request;
        try
        {
            request = await ReadAsync(stop, "the relay", ct).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            request = [];
        }
        var decision = client.HandleStop(relay, request, time.GetUtcNow());
        await LengthPrefixedMessage.WriteAsync(stop, decision.Response, ct).ConfigureAwait(false);
        return decision.Request;
    }

    /// <summary>
    /// Serves one hop stream as the relay: a reservation or refusal is answered at once; an admitted CONNECT opens the
    /// stop leg with <paramref name="openStop"/> (null when the target is not connected), and if the target accepts,
    /// bridges the two streams until the circuit ends. Returns how a bridged circuit ended, or null when none was.
    /// </summary>
    public static async Task<RelayBridgeOutcome?> ServeHopAsync(RelayBridgeEnd hop, RelayServer server, PeerId peer, Multiaddress observed, bool relayed,
        Func<PeerId, CancellationToken, Task<RelayBridgeEnd?>> openStop, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hop);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(openStop);
        ArgumentNullException.ThrowIfNull(time);
        byte[] request;
        try
        {
            request = await ReadAsync(hop.Stream, "the peer", ct).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            request = [];
        }
        var decision = server.Admit(peer, observed, relayed, request, time.GetUtcNow());
        if (decision.Circuit is not { } circuit)
        {
            await LengthPrefixedMessage.WriteAsync(hop.Stream, decision.Response!, ct).ConfigureAwait(false);
            return null;
        }
        RelayBridgeEnd? stop = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(server.Options.StopTimeout);
            stop = await openStop(circuit.Target, timeout.Token).ConfigureAwait(false);
            if (stop is not null)
            {
                await LengthPrefixedMessage.WriteAsync(stop.Stream, RelayMessages.EncodeStopConnect(circuit.Source, circuit.Limit), timeout.Token).ConfigureAwait(false);
                var status = RelayMessages.ParseStopResponse(await ReadAsync(stop.Stream, "the target", timeout.Token).ConfigureAwait(false));
                if (status == RelayStatus.Ok)
                {
                    await LengthPrefixedMessage.WriteAsync(hop.Stream, circuit.Established(), ct).ConfigureAwait(false);
                    return await RelayBridge.RunAsync(hop, stop, circuit, time, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            stop?.Reset(); // the target broke the stop leg or did not answer in time: the source hears CONNECTION_FAILED
        }
        finally
        {
            if (!circuit.WasEstablished)
                circuit.Close();
        }
        await LengthPrefixedMessage.WriteAsync(hop.Stream, circuit.Failed(), ct).ConfigureAwait(false);
        return null;
    }

    private static async Task<byte[]> ReadAsync(Stream stream, string who, CancellationToken ct) =>
        await LengthPrefixedMessage.ReadAsync(stream, RelayMessages.MaxMessageSize, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{who} closed the stream without a message");
}
