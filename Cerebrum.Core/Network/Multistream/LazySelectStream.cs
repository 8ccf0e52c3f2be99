using System.Buffers;

namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// The stream <see cref="MultistreamSelect.SelectLazy"/> returns: the first write is prefixed with the header and
/// the proposal, the first read consumes and checks the listener's header and answer; afterwards it passes
/// through. One reader and one writer may use it at once, as with any duplex transport stream.
/// </summary>
internal sealed class LazySelectStream(Stream inner, string protocol) : Stream
{
    private byte[]? _pendingProposal = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, protocol);
    private bool _answerChecked;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_answerChecked)
        {
            var reader = new MultistreamSelect.MessageReader(inner);
            var header = await reader.ReadAsync(cancellationToken);
            if (header != MultistreamSelect.ProtocolId)
                throw new MultistreamProtocolException($"multistream-select: expected the header '{MultistreamSelect.ProtocolId}' from the listener, got '{header}'");
            var answer = await reader.ReadAsync(cancellationToken);
            if (answer == MultistreamMessage.NotAvailable)
                throw new ProtocolNotSupportedException([protocol]);
            if (answer != protocol)
                throw new MultistreamProtocolException($"multistream-select: listener answered '{answer}' to the proposal '{protocol}' (expected the echo or 'na')");
            _answerChecked = true;
        }
        return await inner.ReadAsync(buffer, cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var proposal = Interlocked.Exchange(ref _pendingProposal, null);
        if (proposal is null)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        // Header, proposal and the first application bytes in one write: one packet instead of a round trip.
        var combined = ArrayPool<byte>.Shared.Rent(proposal.Length + buffer.Length);
        try
        {
            proposal.CopyTo(combined, 0);
            buffer.Span.CopyTo(combined.AsSpan(proposal.Length));
            await inner.WriteAsync(combined.AsMemory(0, proposal.Length + buffer.Length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(combined);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
