using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// AutoNAT v1 over one stream (the I/O edge of <see cref="AutoNatServer"/> and <see cref="ReachabilityTracker"/>):
/// one length-prefixed request, one length-prefixed answer. The dialling itself is the caller's (the host's dialer),
/// given as a delegate that returns whether the target connected.
/// </summary>
public static class AutoNatProtocol
{
    /// <summary>Asks the server at the other end of <paramref name="stream"/> to dial us back at <paramref name="addresses"/>.</summary>
    /// <exception cref="InvalidDataException">The server sent nothing usable.</exception>
    public static async Task<AutoNatDialResponse> AskAsync(Stream stream, Crypto.PeerId self, IEnumerable<Multiaddress> addresses, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await LengthPrefixedMessage.WriteAsync(stream, AutoNatMessages.EncodeDialRequest(self, addresses.Take(AutoNatMessages.MaxRequestAddresses)), ct).ConfigureAwait(false);
        var answer = await LengthPrefixedMessage.ReadAsync(stream, AutoNatMessages.MaxMessageSize, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException("the AutoNAT server closed the stream without answering");
        try
        {
            return AutoNatMessages.ParseDialResponse(answer);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>
    /// Serves one request: reads it, lets <paramref name="server"/> decide, dials the targets it allows (in parallel,
    /// within its dial-back timeout; the first to connect wins) and answers. Returns what was decided.
    /// </summary>
    public static async Task<AutoNatAdmission> ServeAsync(Stream stream, AutoNatServer server, Crypto.PeerId asker, Multiaddress observed, bool relayed,
        Func<Multiaddress, CancellationToken, Task<bool>> dial, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(dial);
        ArgumentNullException.ThrowIfNull(time);
        byte[] request;
        try
        {
            request = await LengthPrefixedMessage.ReadAsync(stream, AutoNatMessages.MaxMessageSize, ct).ConfigureAwait(false) ?? [];
        }
        catch (InvalidDataException e)
        {
            request = [];
            await LengthPrefixedMessage.WriteAsync(stream, AutoNatMessages.EncodeDialResponse(AutoNatStatus.BadRequest, e.Message), ct).ConfigureAwait(false);
            return server.Admit(asker, observed, relayed, request, time.GetUtcNow());
        }
        var admission = server.Admit(asker, observed, relayed, request, time.GetUtcNow());
        if (admission.Response is { } refusal)
        {
            await LengthPrefixedMessage.WriteAsync(stream, refusal, ct).ConfigureAwait(false);
            return admission;
        }
        Multiaddress? reached = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(server.Options.DialBackTimeout);
            var attempts = admission.DialTargets.Select(async target => await DialQuietlyAsync(dial, target, timeout.Token).ConfigureAwait(false) ? target : null).ToList();
            while (attempts.Count > 0 && reached is null)
            {
                var done = await Task.WhenAny(attempts).ConfigureAwait(false);
                attempts.Remove(done);
                reached = await done.ConfigureAwait(false);
            }
            await timeout.CancelAsync().ConfigureAwait(false); // the others are no longer needed
            await Task.WhenAll(attempts).ConfigureAwait(false);
        }
        finally
        {
            var answer = server.Complete(admission, reached);
            if (!ct.IsCancellationRequested)
                await LengthPrefixedMessage.WriteAsync(stream, answer, ct).ConfigureAwait(false);
        }
        return admission;
    }

    private static async Task<bool> DialQuietlyAsync(Func<Multiaddress, CancellationToken, Task<bool>> dial, Multiaddress target, CancellationToken ct)
    {
        try
        {
            return await dial(target, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false; // the dial-back timed out, or another target already connected
        }
    }
}
