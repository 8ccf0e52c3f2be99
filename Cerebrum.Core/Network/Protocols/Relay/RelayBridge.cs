using System.Buffers;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// The relay's byte pump for an established circuit: copies each direction with one pooled buffer, asking the
/// circuit for every chunk (so the data limit is exact per direction), half-closes a side when the other finishes
/// writing, and resets both streams when a limit is reached or either side breaks (spec: "the relay should reset the
/// stream to the source and the stream to the destination"). Backpressure is the streams' own: a read waits for the
/// previous write. The circuit is closed at the end, whatever happened.
/// </summary>
public static class RelayBridge
{
    private const int ChunkSize = 16 * 1024;

    public static async Task<RelayBridgeOutcome> RunAsync(RelayBridgeEnd source, RelayBridgeEnd target, RelayCircuit circuit, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(circuit);
        ArgumentNullException.ThrowIfNull(time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var deadline = circuit.Deadline is { } at
            ? new CancellationTokenSource(at - time.GetUtcNow() > TimeSpan.Zero ? at - time.GetUtcNow() : TimeSpan.Zero, time)
            : new CancellationTokenSource();
        using var registration = deadline.Token.Register(stop.Cancel);
        RelayBridgeOutcome[] outcomes;
        try
        {
            var toTarget = PumpAsync(source, target, circuit, towardTarget: true, time, stop);
            var toSource = PumpAsync(target, source, circuit, towardTarget: false, time, stop);
            outcomes = await Task.WhenAll(toTarget, toSource).ConfigureAwait(false);
        }
        finally
        {
            circuit.Close(); // whatever happened, the slot goes back
        }
        var outcome = outcomes.Contains(RelayBridgeOutcome.DataLimit) ? RelayBridgeOutcome.DataLimit
            : deadline.IsCancellationRequested ? RelayBridgeOutcome.TimeLimit
            : outcomes.Contains(RelayBridgeOutcome.Broken) || ct.IsCancellationRequested ? RelayBridgeOutcome.Broken
            : RelayBridgeOutcome.Closed;
        if (outcome != RelayBridgeOutcome.Closed)
        {
            source.Reset();
            target.Reset();
        }
        return outcome;
    }

    private static async Task<RelayBridgeOutcome> PumpAsync(RelayBridgeEnd from, RelayBridgeEnd to, RelayCircuit circuit, bool towardTarget, TimeProvider time, CancellationTokenSource stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            while (true)
            {
                var read = await from.Stream.ReadAsync(buffer.AsMemory(0, ChunkSize), stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    await to.CompleteWrites(stop.Token).ConfigureAwait(false);
                    return RelayBridgeOutcome.Closed;
                }
                var allowed = circuit.Allow(towardTarget, read, time.GetUtcNow());
                if (allowed > 0)
                {
                    await to.Stream.WriteAsync(buffer.AsMemory(0, allowed), stop.Token).ConfigureAwait(false);
                    await to.Stream.FlushAsync(stop.Token).ConfigureAwait(false);
                }
                if (allowed < read)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    return circuit.Deadline is { } at && time.GetUtcNow() >= at ? RelayBridgeOutcome.TimeLimit : RelayBridgeOutcome.DataLimit;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Stopped by the other direction, the deadline or the caller, or the stream broke: the outcome says which.
            if (!stop.IsCancellationRequested)
                await stop.CancelAsync().ConfigureAwait(false);
            return RelayBridgeOutcome.Broken;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
