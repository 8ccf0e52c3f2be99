namespace Cerebrum.Core.Chain.Gossip;

/// <summary>How a daemon batches the transactions it admits into <c>cerebrum/1/txs</c> messages.</summary>
public sealed record TransactionGossipOptions
{
    /// <summary>
    /// How long the first admitted transaction waits for others to share its message: one message per transaction
    /// costs every peer a gossip frame, a message id, a seen-cache entry and a validation of its own.
    /// </summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    public int MaxTransactionsPerMessage { get; init; } = 1024;

    /// <summary>Bytes of transactions per message; well below gossipsub's 1 MiB RPC cap.</summary>
    public int MaxBytesPerMessage { get; init; } = 256 * 1024;

    /// <summary>Admitted transactions waiting to be gossiped; beyond it they are not gossiped (peers get them with the proposal).</summary>
    public int MaxPending { get; init; } = 65_536;

    /// <summary>The most transactions a received message may carry.</summary>
    public int MaxTransactionsReceived { get; init; } = 16_384;

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public TransactionGossipOptions Validate()
    {
        if (MaxDelay < TimeSpan.Zero || MaxDelay > TimeSpan.FromSeconds(1))
            throw new ArgumentException($"{nameof(MaxDelay)} must be between 0 and 1 s, got {MaxDelay}", nameof(MaxDelay));
        if (MaxTransactionsPerMessage < 1) throw new ArgumentException($"{nameof(MaxTransactionsPerMessage)} must be at least 1", nameof(MaxTransactionsPerMessage));
        if (MaxBytesPerMessage < 1024 || MaxBytesPerMessage > 900 * 1024)
            throw new ArgumentException($"{nameof(MaxBytesPerMessage)} must be between 1 KiB and 900 KiB, got {MaxBytesPerMessage}", nameof(MaxBytesPerMessage));
        if (MaxPending < 1) throw new ArgumentException($"{nameof(MaxPending)} must be at least 1", nameof(MaxPending));
        if (MaxTransactionsReceived < MaxTransactionsPerMessage)
            throw new ArgumentException($"{nameof(MaxTransactionsReceived)} must be at least {nameof(MaxTransactionsPerMessage)}", nameof(MaxTransactionsReceived));
        return this;
    }
}
