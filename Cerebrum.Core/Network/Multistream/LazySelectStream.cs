using System.Buffers;
using System.Runtime.ExceptionServices;
using Cerebrum.Core.Network.Resources;

namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// The stream <see cref="MultistreamSelect.SelectLazy"/> returns: the first write is prefixed with the header and
/// the proposal, the first read consumes and checks the listener's header and answer; afterwards it passes
/// through. One reader and one writer may use it at once, as with any duplex transport stream.
/// </summary>
/// <remarks>
/// A read that comes before any write sends the proposal on its own first, so protocols in which the listener speaks
/// first work too (the listener answers nothing until it has a proposal). Until the proposal is on the wire, the
/// reader and the writer take turns at a gate, so application bytes can never overtake the proposal; afterwards
/// writes go straight through. A refusal or a broken negotiation is remembered: every later read throws it again.
/// </remarks>
internal sealed class LazySelectStream : Stream, IScopedStream
{
    private readonly Stream _inner;

    /// <summary>The stream's resource scope, set once the stream is a <see cref="Streams.ProtocolStream"/>.</summary>
    public IResourceScope? BufferScope { get; internal set; }
    private readonly string _protocol;
    private readonly Action? _onNegotiationFailed;
    private readonly bool _endBeforeAnswerIsRefusal;
    private readonly SemaphoreSlim _proposalGate = new(1, 1);
    // Cleared only after the proposal has been written, so a writer that sees null may write without the gate.
    private byte[]? _pendingProposal;
    private bool _answerChecked;
    private Exception? _negotiationFailure;

    /// <param name="onNegotiationFailed">Called once when the listener refuses or breaks the negotiation, before the
    /// first read throws (e.g. to reset a muxed stream, which the listener would otherwise keep reading as proposals).</param>
    /// <param name="endBeforeAnswerIsRefusal">Report a stream that ends or fails before the answer as
    /// <see cref="ProtocolNotSupportedException"/>. For muxed streams: a listener that refuses usually fails to parse the
    /// application bytes behind the proposal as its next one and resets the stream, and a reset discards the unread
    /// "na" (js-libp2p does this), so the reset is how most refusals arrive.</param>
    public LazySelectStream(Stream inner, string protocol, Action? onNegotiationFailed = null, bool endBeforeAnswerIsRefusal = false)
    {
        _inner = inner;
        _protocol = protocol;
        _onNegotiationFailed = onNegotiationFailed;
        _endBeforeAnswerIsRefusal = endBeforeAnswerIsRefusal;
        _pendingProposal = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, protocol);
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>True once the header and proposal have been written.</summary>
    public bool ProposalSent => Volatile.Read(ref _pendingProposal) is null;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_answerChecked)
            await CheckAnswerAsync(cancellationToken);
        return await _inner.ReadAsync(buffer, cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _pendingProposal) is null)
        {
            await _inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        await _proposalGate.WaitAsync(cancellationToken);
        try
        {
            if (_pendingProposal is not { } proposal)
            {
                await _inner.WriteAsync(buffer, cancellationToken);
                return;
            }
            // Header, proposal and the first application bytes in one write: one packet instead of a round trip.
            var combined = ArrayPool<byte>.Shared.Rent(proposal.Length + buffer.Length);
            try
            {
                proposal.CopyTo(combined, 0);
                buffer.Span.CopyTo(combined.AsSpan(proposal.Length));
                await _inner.WriteAsync(combined.AsMemory(0, proposal.Length + buffer.Length), cancellationToken);
                Volatile.Write(ref _pendingProposal, null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(combined);
            }
        }
        finally
        {
            _proposalGate.Release();
        }
    }

    /// <summary>
    /// Writes the header and proposal now if no write has carried them yet, e.g. before a half-close, so that the
    /// listener learns the protocol even when the dialer sends no bytes of its own.
    /// </summary>
    public async ValueTask SendProposalAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _pendingProposal) is null)
            return;
        await _proposalGate.WaitAsync(cancellationToken);
        try
        {
            if (_pendingProposal is { } proposal)
            {
                await _inner.WriteAsync(proposal, cancellationToken);
                await _inner.FlushAsync(cancellationToken);
                Volatile.Write(ref _pendingProposal, null);
            }
        }
        finally
        {
            _proposalGate.Release();
        }
    }

    private async ValueTask CheckAnswerAsync(CancellationToken cancellationToken)
    {
        if (_negotiationFailure is not null)
            ExceptionDispatchInfo.Throw(_negotiationFailure);
        try
        {
            await SendProposalAsync(cancellationToken);
            var reader = new MultistreamSelect.MessageReader(_inner);
            var header = await reader.ReadAsync(cancellationToken);
            if (header != MultistreamSelect.ProtocolId)
                throw new MultistreamProtocolException($"multistream-select: expected the header '{MultistreamSelect.ProtocolId}' from the listener, got '{header}'");
            var answer = await reader.ReadAsync(cancellationToken);
            if (answer == MultistreamMessage.NotAvailable)
                throw new ProtocolNotSupportedException([_protocol]);
            if (answer != _protocol)
                throw new MultistreamProtocolException($"multistream-select: listener answered '{answer}' to the proposal '{_protocol}' (expected the echo or 'na')");
            _answerChecked = true;
        }
        catch (IOException e) when (_endBeforeAnswerIsRefusal)
        {
            var refusal = new ProtocolNotSupportedException([_protocol],
                $"the peer ended the stream instead of accepting the protocol '{_protocol}': it does not support it, or refused the stream ({e.Message})", e);
            _negotiationFailure = refusal;
            _onNegotiationFailed?.Invoke();
            throw refusal;
        }
        catch (Exception e)
        {
            // Whatever broke the negotiation (refusal, garbage, end of stream, a cancelled read that left a message
            // half-consumed), the stream cannot carry the protocol any more.
            _negotiationFailure = e;
            _onNegotiationFailed?.Invoke();
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _proposalGate.Dispose();
        }
        base.Dispose(disposing);
    }
}
