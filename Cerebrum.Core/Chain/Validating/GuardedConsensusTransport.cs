using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Chain.Validating;

/// <summary>
/// An <see cref="IConsensusTransport"/> that passes this validator's own messages through a <see cref="LastSignedGuard"/>
/// before sending: the step is persisted first, and a message that would sign a step again differently is withheld.
/// </summary>
public sealed class GuardedConsensusTransport(IConsensusTransport inner, LastSignedGuard guard, int maxMessageBytes) : IConsensusTransport
{
    /// <summary>Own messages withheld because they would have signed an already-signed step differently.</summary>
    public long Withheld => Interlocked.Read(ref _withheld);

    private long _withheld;

    public async ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (ConsensusMessageCodec.TryDecode(message.Span, maxMessageBytes, out var decoded, out _) && !guard.TryAllow(decoded!))
        {
            Interlocked.Increment(ref _withheld);
            return;
        }
        await inner.BroadcastAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken) => inner.ReceiveAsync(cancellationToken);
}
