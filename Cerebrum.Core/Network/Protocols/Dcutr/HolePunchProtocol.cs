using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>
/// DCUtR over the <c>/libp2p/dcutr</c> stream of a relayed connection (the I/O edge of <see cref="HolePunchInitiator"/>
/// and <see cref="HolePunchResponder"/>). Dialling is the caller's: a delegate that dials a set of addresses and
/// returns whether a direct connection to the peer resulted.
/// </summary>
public static class HolePunchProtocol
{
    /// <summary>
    /// Runs attempts until one yields a direct connection or none are left; true on success. Waits on
    /// <paramref name="time"/> for the half-round-trip before dialling (the timing is the protocol, not a pause).
    /// </summary>
    public static async Task<bool> InitiateAsync(Stream stream, HolePunchInitiator initiator, Func<IReadOnlyList<Multiaddress>, CancellationToken, Task<bool>> dial,
        HolePunchOptions options, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(initiator);
        ArgumentNullException.ThrowIfNull(dial);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (initiator.HasNoAddresses)
            return false;
        while (initiator.CanRetry)
        {
            await LengthPrefixedMessage.WriteAsync(stream, initiator.Start(time.GetUtcNow()), ct).ConfigureAwait(false);
            byte[] answer;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(options.StreamTimeout);
                answer = await LengthPrefixedMessage.ReadAsync(stream, HolePunchMessages.MaxMessageSize, wait.Token).ConfigureAwait(false)
                    ?? throw new InvalidDataException("the peer closed the DCUtR stream");
            }
            HolePunchPlan plan;
            try
            {
                plan = initiator.OnConnect(answer, time.GetUtcNow());
            }
            catch (FormatException e)
            {
                throw new InvalidDataException(e.Message, e);
            }
            await LengthPrefixedMessage.WriteAsync(stream, plan.Sync, ct).ConfigureAwait(false);
            if (plan.Targets.Count == 0)
                return false; // nothing to dial: retrying cannot help
            var delay = plan.DialAt - time.GetUtcNow();
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, time, ct).ConfigureAwait(false);
            using var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            dialTimeout.CancelAfter(options.DialTimeout);
            if (await DialAsync(dial, plan.Targets, dialTimeout.Token, ct).ConfigureAwait(false))
                return true;
        }
        return false;
    }

    /// <summary>Answers attempts until the initiator closes the stream or one yields a direct connection; true on success.</summary>
    /// <param name="expect">
    /// Called with the initiator's addresses as its CONNECT arrives, before we answer; what it returns is disposed when the
    /// attempt ends. The initiator dials as soon as it has our answer, and with no NAT in between its dial may reach our
    /// listener before we even see its SYNC: the host must already know to take the initiator's side of that handshake.
    /// </param>
    public static async Task<bool> RespondAsync(Stream stream, HolePunchResponder responder, Func<IReadOnlyList<Multiaddress>, CancellationToken, Task<bool>> dial,
        HolePunchOptions options, CancellationToken ct, Func<IReadOnlyList<Multiaddress>, IDisposable>? expect = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(responder);
        ArgumentNullException.ThrowIfNull(dial);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            while (await LengthPrefixedMessage.ReadAsync(stream, HolePunchMessages.MaxMessageSize, ct).ConfigureAwait(false) is { } connect)
            {
                var answer = responder.OnConnect(connect);
                using var expectation = expect?.Invoke(responder.Pending);
                await LengthPrefixedMessage.WriteAsync(stream, answer, ct).ConfigureAwait(false);
                var sync = await LengthPrefixedMessage.ReadAsync(stream, HolePunchMessages.MaxMessageSize, ct).ConfigureAwait(false)
                    ?? throw new InvalidDataException("the peer closed the DCUtR stream before SYNC");
                var targets = responder.OnSync(sync);
                if (targets.Count == 0)
                    continue;
                using var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                dialTimeout.CancelAfter(options.DialTimeout);
                if (await DialAsync(dial, targets, dialTimeout.Token, ct).ConfigureAwait(false))
                    return true;
            }
            return false;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static async Task<bool> DialAsync(Func<IReadOnlyList<Multiaddress>, CancellationToken, Task<bool>> dial, IReadOnlyList<Multiaddress> targets,
        CancellationToken dialToken, CancellationToken ct)
    {
        try
        {
            return await dial(targets, dialToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false; // the attempt's dial timeout
        }
    }
}
