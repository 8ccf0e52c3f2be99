using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise.Proto;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// An established Noise channel: every frame is a 2-byte big-endian length followed by ChaChaPoly ciphertext||tag.
/// Full duplex: one reader and one writer may run concurrently (each direction has its own cipher and buffers);
/// concurrent reads, or concurrent writes, are rejected. Any authentication, framing or nonce failure is fatal: the
/// inner stream is closed and <see cref="NoiseTransportException"/> is thrown. Disposing closes the inner stream.
/// </summary>
public sealed class NoiseSecureStream : Stream
{
    /// <summary>Largest plaintext one frame carries: 65535-byte Noise message minus the 16-byte tag.</summary>
    public const int MaxPlaintextPerFrame = NoiseHandshakeState.MaxMessageLength - CipherState.TagLength;

    private const int LengthPrefix = 2;
    private const int FrameOverhead = LengthPrefix + CipherState.TagLength;
    private const int MaxWireFrame = LengthPrefix + NoiseHandshakeState.MaxMessageLength;

    // Large enough to pull several full frames per read syscall; a partial frame always fits after compaction.
    private const int ReadBufferSize = 256 * 1024;

    // One inner write per this many bytes of frames: a large Write becomes a few big syscalls, not one per frame.
    private const int WriteBatchSize = 256 * 1024;

    // When less than this is left at the end of a write batch, send it rather than cut a runt frame.
    private const int MinTailFrame = 4096;

    private const int Idle = 0;
    private const int Busy = 1;
    private const int Closed = 2;

    private readonly Stream _inner;
    private readonly CipherState _send;
    private readonly CipherState _receive;

    // Reader state: touched only by the one reader holding _readState == Busy (or by Dispose after claiming Idle → Closed).
    private byte[]? _readBuffer;
    private int _rawStart;
    private int _rawEnd;
    private int _plainStart;
    private int _plainEnd;
    private int _readState;
    private NoiseTransportException? _readFault;

    private int _writeState;
    private Exception? _writeFault;
    private int _disposed;

    internal NoiseSecureStream(Stream inner, CipherState send, CipherState receive, NoiseRemoteIdentity remote)
    {
        _inner = inner;
        _send = send;
        _receive = receive;
        RemotePublicKey = remote.PublicKey;
        RemotePeer = remote.PeerId;
        RemoteExtensions = remote.Extensions;
    }

    public PeerId RemotePeer { get; }

    public PublicKey RemotePublicKey { get; }

    /// <summary>The peer's authenticated early data (e.g. its stream muxers), or null when it sent none.</summary>
    public NoiseExtensions? RemoteExtensions { get; }

    internal CipherState SendCipher => _send;

    internal CipherState ReceiveCipher => _receive;

    public override bool CanRead => _disposed == 0;

    public override bool CanWrite => _disposed == 0;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    // ---- Reading ----

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Read(Span<byte> buffer)
    {
        EnterRead();
        try
        {
            while (true)
            {
                var served = ServeBuffered(buffer);
                if (served > 0 || buffer.IsEmpty) return served;
                var target = PrepareInnerRead();
                if (!CompleteInnerRead(_inner.Read(target, _rawEnd, target.Length - _rawEnd)))
                    return 0;
            }
        }
        finally
        {
            ExitRead();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    // Pooled builder: reads that complete asynchronously (most of them, on a busy socket) allocate no state machine box.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnterRead();
        try
        {
            while (true)
            {
                var served = ServeBuffered(buffer.Span);
                if (served > 0 || buffer.IsEmpty) return served;
                var target = PrepareInnerRead();
                var read = await _inner.ReadAsync(target.AsMemory(_rawEnd), cancellationToken);
                if (!CompleteInnerRead(read))
                    return 0;
            }
        }
        finally
        {
            ExitRead();
        }
    }

    /// <summary>
    /// Copies pending plaintext, then decrypts complete buffered frames: straight into the caller's buffer when a
    /// whole frame fits (no extra copy), otherwise in place in the read buffer, serving the rest on later calls.
    /// Returns 0 only when no complete frame is buffered.
    /// </summary>
    private int ServeBuffered(Span<byte> destination)
    {
        if (_readFault is not null)
            throw new NoiseTransportException("the Noise channel already failed: " + _readFault.Message, _readFault);
        var buffer = _readBuffer;
        if (destination.IsEmpty || buffer is null) return 0;

        var written = 0;
        if (_plainStart < _plainEnd)
        {
            written = Math.Min(destination.Length, _plainEnd - _plainStart);
            buffer.AsSpan(_plainStart, written).CopyTo(destination);
            _plainStart += written;
            if (_plainStart < _plainEnd) return written;
        }

        try
        {
            while (written < destination.Length && _rawEnd - _rawStart >= LengthPrefix)
            {
                var frameLength = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(_rawStart));
                if (frameLength < CipherState.TagLength)
                    throw Fail(new NoiseTransportException($"Noise frame declares {frameLength} bytes, less than its {CipherState.TagLength}-byte tag"));
                if (_rawEnd - _rawStart - LengthPrefix < frameLength) break;

                var frameStart = _rawStart + LengthPrefix;
                var frame = buffer.AsSpan(frameStart, frameLength);
                var plainLength = frameLength - CipherState.TagLength;
                var room = destination.Length - written;
                _rawStart = frameStart + frameLength;
                if (plainLength <= room)
                {
                    Decrypt(frame, destination.Slice(written, plainLength));
                    written += plainLength;
                    continue;
                }
                Decrypt(frame, frame[..plainLength]);
                buffer.AsSpan(frameStart, room).CopyTo(destination[written..]);
                _plainStart = frameStart + room;
                _plainEnd = frameStart + plainLength;
                written += room;
            }
        }
        catch (NoiseTransportException) when (written > 0)
        {
            // Hand over the plaintext that did authenticate; the recorded fault is thrown by the next read.
        }
        return written;
    }

    private void Decrypt(ReadOnlySpan<byte> frame, Span<byte> plaintext)
    {
        try
        {
            _receive.DecryptWithAd(ReadOnlySpan<byte>.Empty, frame, plaintext);
        }
        catch (CryptographicException e)
        {
            throw Fail(new NoiseTransportException("Noise frame failed authentication (tampered data or desynchronized peer); connection closed", e));
        }
        catch (NoiseTransportException e)
        {
            throw Fail(e);
        }
    }

    /// <summary>Ensures the read buffer has room for at least the rest of the pending partial frame and returns it.</summary>
    private byte[] PrepareInnerRead()
    {
        var buffer = _readBuffer ??= ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        _plainStart = _plainEnd = 0; // nothing pending: ServeBuffered returned 0 for a non-empty destination
        if (_rawStart == _rawEnd)
        {
            _rawStart = _rawEnd = 0;
        }
        else if (buffer.Length - _rawEnd < MaxWireFrame)
        {
            // Only a partial frame (< MaxWireFrame bytes) is left, so this move is bounded and rare.
            var pending = _rawEnd - _rawStart;
            Buffer.BlockCopy(buffer, _rawStart, buffer, 0, pending);
            _rawStart = 0;
            _rawEnd = pending;
        }
        return buffer;
    }

    /// <summary>Accounts for an inner read; false on a clean end of stream at a frame boundary.</summary>
    private bool CompleteInnerRead(int read)
    {
        if (read > 0)
        {
            _rawEnd += read;
            return true;
        }
        if (_rawStart == _rawEnd) return false;
        var pending = _rawEnd - _rawStart;
        var declared = pending >= LengthPrefix ? BinaryPrimitives.ReadUInt16BigEndian(_readBuffer.AsSpan(_rawStart)) + LengthPrefix : -1;
        throw Fail(new NoiseTransportException(declared < 0
            ? "connection closed in the middle of a Noise frame's length prefix"
            : $"connection closed in the middle of a Noise frame ({pending} of {declared} bytes received)"));
    }

    private void EnterRead()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        switch (Interlocked.CompareExchange(ref _readState, Busy, Idle))
        {
            case Busy: throw new InvalidOperationException("NoiseSecureStream supports only one reader at a time");
            case Closed: throw new ObjectDisposedException(nameof(NoiseSecureStream));
        }
    }

    // The read buffer is kept until Dispose: a muxer keeps a read pending anyway, and renting 256 KiB per read would
    // churn the shared pool (and the LOH once many connections outrun its per-core cache).
    private void ExitRead()
    {
        Volatile.Write(ref _readState, Idle);
        if (Volatile.Read(ref _disposed) != 0 && Interlocked.CompareExchange(ref _readState, Closed, Idle) == Idle)
            ReleaseReadBuffer();
    }

    private void ReleaseReadBuffer()
    {
        if (_readBuffer is null) return;
        ArrayPool<byte>.Shared.Return(_readBuffer);
        _readBuffer = null;
        _rawStart = _rawEnd = _plainStart = _plainEnd = 0;
    }

    private NoiseTransportException Fail(NoiseTransportException error)
    {
        _readFault ??= error;
        CloseInner();
        return error;
    }

    // ---- Writing ----

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnterWrite();
        byte[]? batch = null;
        try
        {
            if (buffer.IsEmpty) return;
            batch = ArrayPool<byte>.Shared.Rent(BatchSizeFor(buffer.Length));
            while (!buffer.IsEmpty)
            {
                var produced = EncryptBatch(buffer, batch, out var consumed);
                buffer = buffer[consumed..];
                _inner.Write(batch, 0, produced);
            }
        }
        catch (Exception e)
        {
            FailWrite(e);
            throw;
        }
        finally
        {
            if (batch is not null) ArrayPool<byte>.Shared.Return(batch);
            Volatile.Write(ref _writeState, Idle);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnterWrite();
        byte[]? batch = null;
        try
        {
            if (buffer.IsEmpty) return;
            batch = ArrayPool<byte>.Shared.Rent(BatchSizeFor(buffer.Length));
            while (!buffer.IsEmpty)
            {
                var produced = EncryptBatch(buffer.Span, batch, out var consumed);
                buffer = buffer[consumed..];
                await _inner.WriteAsync(batch.AsMemory(0, produced), cancellationToken);
            }
        }
        catch (Exception e)
        {
            FailWrite(e);
            throw;
        }
        finally
        {
            if (batch is not null) ArrayPool<byte>.Shared.Return(batch);
            Volatile.Write(ref _writeState, Idle);
        }
    }

    private static int BatchSizeFor(int plaintextLength)
    {
        var frames = (plaintextLength + (long)MaxPlaintextPerFrame - 1) / MaxPlaintextPerFrame;
        return (int)Math.Min(WriteBatchSize, plaintextLength + frames * FrameOverhead);
    }

    /// <summary>Encrypts as many frames as fit into <paramref name="batch"/> straight from the caller's data; returns bytes produced.</summary>
    private int EncryptBatch(ReadOnlySpan<byte> source, byte[] batch, out int consumed)
    {
        var position = 0;
        consumed = 0;
        while (consumed < source.Length)
        {
            var space = batch.Length - position - FrameOverhead;
            var chunk = Math.Min(Math.Min(source.Length - consumed, MaxPlaintextPerFrame), space);
            if (chunk <= 0 || (chunk < source.Length - consumed && chunk < MaxPlaintextPerFrame && space < MinTailFrame && position > 0))
                break;
            var frameLength = chunk + CipherState.TagLength;
            BinaryPrimitives.WriteUInt16BigEndian(batch.AsSpan(position), (ushort)frameLength);
            _send.EncryptWithAd(ReadOnlySpan<byte>.Empty, source.Slice(consumed, chunk), batch.AsSpan(position + LengthPrefix, frameLength));
            position += LengthPrefix + frameLength;
            consumed += chunk;
        }
        return position;
    }

    private void EnterWrite()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.CompareExchange(ref _writeState, Busy, Idle) != Idle)
            throw new InvalidOperationException("NoiseSecureStream supports only one writer at a time");
        // A failed read closed the connection too; say so rather than surface the inner stream's ObjectDisposedException.
        if ((_writeFault ?? Volatile.Read(ref _readFault)) is { } fault)
        {
            Volatile.Write(ref _writeState, Idle);
            throw new NoiseTransportException("the Noise channel can no longer send: " + fault.Message, fault);
        }
    }

    // Frames may already be encrypted (nonces spent) or half written: the send direction is unrecoverable.
    private void FailWrite(Exception error)
    {
        _writeFault ??= error;
        if (error is NoiseTransportException) CloseInner();
    }

    // ---- Lifetime ----

    private void CloseInner()
    {
        try
        {
            _inner.Dispose();
        }
        catch (Exception)
        {
            // Closing is best effort: the channel is already being torn down because of an earlier failure.
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            CloseInner();
            if (Interlocked.CompareExchange(ref _readState, Closed, Idle) == Idle)
                ReleaseReadBuffer();
            // An in-flight read or write sees ObjectDisposedException from its cipher (SafeHandle-protected).
            _send.Dispose();
            _receive.Dispose();
        }
        base.Dispose(disposing);
    }
}
