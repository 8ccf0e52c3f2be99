using System.Buffers.Binary;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>The encrypted channel after a real handshake over in-memory pipes: bulk data, framing and failures.</summary>
public sealed class NoiseSecureStreamTests
{
    private PrivateKey _initiatorKey = null!;
    private PrivateKey _responderKey = null!;

    [SetUp]
    public void CreateKeys()
    {
        _initiatorKey = PrivateKey.Generate(KeyType.Secp256k1);
        _responderKey = PrivateKey.Generate(KeyType.Ed25519);
    }

    [TearDown]
    public void DisposeKeys()
    {
        _initiatorKey.Dispose();
        _responderKey.Dispose();
    }

    [Test]
    public async Task Megabytes_flow_both_ways_at_once_with_odd_read_sizes()
    {
        var (initiator, responder, _, _) = await ConnectAsync();
        using var i = initiator;
        using var r = responder;
        var toResponder = RandomBytes(3 * 1024 * 1024 + 17, seed: 1);
        var toInitiator = RandomBytes(1024 * 1024 + 5, seed: 2);

        var sends = Task.WhenAll(
            Task.Run(async () => await i.WriteAsync(toResponder)),
            Task.Run(async () => await r.WriteAsync(toInitiator)));
        var received = await Task.WhenAll(
            Task.Run(() => ReadExactlyInChunksAsync(r, toResponder.Length, seed: 3)),
            Task.Run(() => ReadExactlyInChunksAsync(i, toInitiator.Length, seed: 4))).Bounded();
        await sends.Bounded();

        Assert.That(received[0], Is.EqualTo(toResponder));
        Assert.That(received[1], Is.EqualTo(toInitiator));
    }

    [Test]
    public async Task Byte_by_byte_reads_reassemble_frames_split_across_reads()
    {
        var (initiator, responder, _, _) = await ConnectAsync();
        using var i = initiator;
        using var r = responder;
        var data = RandomBytes(70_000, seed: 5); // two frames: 65519 + 4481
        await i.WriteAsync(data).Bounded();
        var received = new byte[data.Length];
        for (var n = 0; n < received.Length; n++)
        {
            var read = await r.ReadAsync(received.AsMemory(n, 1)).Bounded();
            Assert.That(read, Is.EqualTo(1));
        }
        Assert.That(received, Is.EqualTo(data));
    }

    [Test]
    public async Task Coalesced_small_frames_are_all_served_by_one_large_read()
    {
        var (initiator, responder, _, _) = await ConnectAsync();
        using var i = initiator;
        using var r = responder;
        var random = new Random(6);
        var expected = new MemoryStream();
        for (var n = 0; n < 500; n++)
        {
            var message = RandomBytes(random.Next(1, 100), seed: n);
            expected.Write(message);
            await i.WriteAsync(message).Bounded();
        }
        // All 500 frames sit in the pipe; a single read should decrypt every one of them.
        var buffer = new byte[1 << 20];
        var read = await r.ReadAsync(buffer).Bounded();
        Assert.That(read, Is.EqualTo(expected.Length));
        Assert.That(buffer[..read], Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public async Task Large_write_is_cut_into_frames_of_at_most_65519_plaintext_bytes()
    {
        var (a, b) = NoiseTestPipes.CreatePair();
        var wire = new InterceptingStream(a);
        var outbound = NoiseSecurity.SecureOutboundAsync(wire, _initiatorKey, null, CancellationToken.None);
        using var r = await NoiseSecurity.SecureInboundAsync(b, _responderKey, CancellationToken.None).Bounded();
        using var i = await outbound.Bounded();
        var handshakeBytes = wire.Written.Length;

        var data = RandomBytes(1024 * 1024 + 1, seed: 7);
        var reading = ReadExactlyInChunksAsync(r, data.Length, seed: 8);
        await i.WriteAsync(data).Bounded();
        Assert.That(await reading.Bounded(), Is.EqualTo(data));

        var frames = wire.Written.AsSpan(handshakeBytes);
        var plaintextTotal = 0;
        var frameCount = 0;
        while (!frames.IsEmpty)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(frames);
            Assert.That(length, Is.InRange(CipherState.TagLength + 1, 65535));
            plaintextTotal += length - CipherState.TagLength;
            frames = frames[(2 + length)..];
            frameCount++;
        }
        Assert.That(plaintextTotal, Is.EqualTo(data.Length));
        Assert.That(frameCount, Is.LessThanOrEqualTo(data.Length / NoiseSecureStream.MaxPlaintextPerFrame + 5));
    }

    [Test]
    public async Task Synchronous_read_and_write_work_concurrently()
    {
        var (initiator, responder, _, _) = await ConnectAsync();
        using var i = initiator;
        using var r = responder;
        var data = RandomBytes(600_000, seed: 9);
        var writer = Task.Run(() => i.Write(data, 0, data.Length));
        var reader = Task.Run(() =>
        {
            var received = new byte[data.Length];
            var total = 0;
            while (total < received.Length)
            {
                var read = r.Read(received, total, Math.Min(50_000, received.Length - total));
                if (read == 0) break;
                total += read;
            }
            return received;
        });
        Assert.That(await reader.Bounded(), Is.EqualTo(data));
        await writer.Bounded();
    }

    [Test]
    public async Task Zero_length_write_sends_nothing_and_clean_close_reads_as_end_of_stream()
    {
        var (a, b) = NoiseTestPipes.CreatePair();
        var wire = new InterceptingStream(a);
        var outbound = NoiseSecurity.SecureOutboundAsync(wire, _initiatorKey, null, CancellationToken.None);
        using var r = await NoiseSecurity.SecureInboundAsync(b, _responderKey, CancellationToken.None).Bounded();
        var i = await outbound.Bounded();
        var before = wire.Written.Length;
        await i.WriteAsync(ReadOnlyMemory<byte>.Empty).Bounded();
        Assert.That(wire.Written, Has.Length.EqualTo(before));

        await i.WriteAsync("last"u8.ToArray()).Bounded();
        await i.DisposeAsync();
        Assert.That(wire.IsDisposed, Is.True);
        var buffer = new byte[16];
        Assert.That(await r.ReadAsync(buffer).Bounded(), Is.EqualTo(4));
        Assert.That(await r.ReadAsync(buffer).Bounded(), Is.Zero);
        Assert.ThrowsAsync<ObjectDisposedException>(async () => _ = await i.ReadAsync(buffer));
    }

    [Test]
    public async Task Tampered_ciphertext_is_fatal_and_closes_the_connection()
    {
        var (a, b) = NoiseTestPipes.CreatePair();
        var responderWire = new InterceptingStream(b);
        var outbound = NoiseSecurity.SecureOutboundAsync(a, _initiatorKey, null, CancellationToken.None);
        using var r = await NoiseSecurity.SecureInboundAsync(responderWire, _responderKey, CancellationToken.None).Bounded();
        using var i = await outbound.Bounded();

        await r.WriteAsync("intact"u8.ToArray()).Bounded();
        responderWire.CorruptNextWrite(2 + 3);
        await r.WriteAsync("tampered"u8.ToArray()).Bounded();

        var buffer = new byte[64];
        Assert.That(buffer[..await i.ReadAsync(buffer).Bounded()], Is.EqualTo("intact"u8.ToArray()));
        var error = Assert.ThrowsAsync<NoiseTransportException>(async () => await i.ReadAsync(buffer).Bounded());
        Assert.That(error!.Message, Does.Contain("failed authentication"));
        Assert.ThrowsAsync<NoiseTransportException>(async () => await i.ReadAsync(buffer).Bounded());
        Assert.ThrowsAsync<NoiseTransportException>(async () => await i.WriteAsync(new byte[1]).Bounded());
        // The initiator closed its end, so the responder sees the connection end.
        Assert.That(await r.ReadAsync(buffer).Bounded(), Is.Zero);
    }

    [Test]
    public async Task Garbage_frame_fails_authentication()
    {
        var (i, r, _, responderRaw) = await ConnectAsync();
        using var _ = i;
        using var __ = r;
        await responderRaw.WriteAsync(new byte[] { 0x00, 0x20 }.Concat(RandomBytes(32, seed: 10)).ToArray()).Bounded();
        var error = Assert.ThrowsAsync<NoiseTransportException>(async () => await i.ReadAsync(new byte[64]).Bounded());
        Assert.That(error!.Message, Does.Contain("failed authentication"));
    }

    [Test]
    public async Task Frame_shorter_than_its_tag_is_rejected()
    {
        var (i, r, _, responderRaw) = await ConnectAsync();
        using var _ = i;
        using var __ = r;
        await responderRaw.WriteAsync(new byte[] { 0x00, 0x05, 1, 2, 3, 4, 5 }).Bounded();
        var error = Assert.ThrowsAsync<NoiseTransportException>(async () => await i.ReadAsync(new byte[64]).Bounded());
        Assert.That(error!.Message, Does.Contain("declares 5 bytes"));
    }

    [TestCase(new byte[] { 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, "12 of 65537 bytes")]
    [TestCase(new byte[] { 0x00 }, "length prefix")]
    public async Task Eof_inside_a_frame_is_an_error_not_a_clean_end(byte[] partial, string expected)
    {
        var (i, r, _, responderRaw) = await ConnectAsync();
        using var _ = i;
        using var __ = r;
        await responderRaw.WriteAsync(partial).Bounded();
        responderRaw.Dispose();
        var error = Assert.ThrowsAsync<NoiseTransportException>(async () => await i.ReadAsync(new byte[64]).Bounded());
        Assert.That(error!.Message, Does.Contain("connection closed in the middle").And.Contain(expected));
    }

    [Test]
    public async Task Cancelled_read_leaves_the_channel_usable()
    {
        var (initiator, responder, _, _) = await ConnectAsync();
        using var i = initiator;
        using var r = responder;
        var buffer = new byte[16];
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
            Assert.That(async () => await i.ReadAsync(buffer, cts.Token).Bounded(), Throws.InstanceOf<OperationCanceledException>());

        await r.WriteAsync("after"u8.ToArray()).Bounded();
        Assert.That(buffer[..await i.ReadAsync(buffer).Bounded()], Is.EqualTo("after"u8.ToArray()));
    }

    [Test]
    public async Task A_second_concurrent_read_is_refused()
    {
        var (initiator, responder, _, _) = await ConnectAsync();
        using var i = initiator;
        using var r = responder;
        var pending = i.ReadAsync(new byte[16]).AsTask();
        Assert.ThrowsAsync<InvalidOperationException>(async () => _ = await i.ReadAsync(new byte[16]));
        await r.WriteAsync("x"u8.ToArray()).Bounded();
        Assert.That(await pending.Bounded(), Is.EqualTo(1));
    }

    [Test]
    public async Task Nonce_exhaustion_fails_the_writer_and_closes_the_connection()
    {
        var (a, b) = NoiseTestPipes.CreatePair();
        var wire = new InterceptingStream(a);
        var outbound = NoiseSecurity.SecureOutboundAsync(wire, _initiatorKey, null, CancellationToken.None);
        using var r = await NoiseSecurity.SecureInboundAsync(b, _responderKey, CancellationToken.None).Bounded();
        using var i = await outbound.Bounded();

        i.SendCipher.Nonce = ulong.MaxValue - 1;
        await i.WriteAsync(new byte[10]).Bounded(); // uses the last usable nonce
        var error = Assert.ThrowsAsync<NoiseTransportException>(async () => await i.WriteAsync(new byte[10]).Bounded());
        Assert.That(error!.Message, Does.Contain("nonce exhausted"));
        Assert.That(wire.IsDisposed, Is.True);
        Assert.ThrowsAsync<NoiseTransportException>(async () => await i.WriteAsync(new byte[10]).Bounded());
    }

    [Test]
    public void Steady_state_reads_and_writes_do_not_allocate_per_frame()
    {
        var key = FixedNoiseKeySource.Sequence(9);
        var remote = new NoiseRemoteIdentity(_responderKey.PublicKey, _responderKey.PeerId, null);
        var data = RandomBytes(64 * 1024, seed: 11);
        const int writes = 32; // 2 MiB: 64 frames (two per write)
        var wire = new MemoryStream(capacity: 4 << 20);
        using var writer = new NoiseSecureStream(wire, Keyed(key), Keyed(key), remote);

        writer.Write(data); // warm-up: JIT and pool
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var n = 1; n < writes; n++) writer.Write(data);
        var writeAllocations = GC.GetAllocatedBytesForCurrentThread() - before;

        using var reader = new NoiseSecureStream(new MemoryStream(wire.ToArray()), Keyed(key), Keyed(key), remote);
        var buffer = new byte[50_000]; // not a multiple of the frame size: exercises in-place and direct decryption
        var total = reader.Read(buffer);
        before = GC.GetAllocatedBytesForCurrentThread();
        int read;
        while ((read = reader.Read(buffer)) > 0) total += read;
        var readAllocations = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(total, Is.EqualTo(writes * data.Length));
        Assert.That(writeAllocations, Is.LessThan(1024), "bytes allocated writing 2 MiB");
        Assert.That(readAllocations, Is.LessThan(1024), "bytes allocated reading 2 MiB");
    }

    /// <summary>A completed handshake plus the raw ends underneath, for injecting bytes on the wire.</summary>
    private async Task<(NoiseSecureStream Initiator, NoiseSecureStream Responder, Stream InitiatorRaw, Stream ResponderRaw)> ConnectAsync()
    {
        var (a, b) = NoiseTestPipes.CreatePair();
        var outbound = NoiseSecurity.SecureOutboundAsync(a, _initiatorKey, _responderKey.PeerId, CancellationToken.None);
        var inbound = NoiseSecurity.SecureInboundAsync(b, _responderKey, CancellationToken.None);
        return (await outbound.Bounded(), await inbound.Bounded(), a, b);
    }

    private static async Task<byte[]> ReadExactlyInChunksAsync(Stream stream, int length, int seed)
    {
        var random = new Random(seed);
        var received = new byte[length];
        var total = 0;
        while (total < length)
        {
            var chunk = Math.Min(length - total, random.Next(4) switch { 0 => random.Next(1, 16), 1 => random.Next(16, 4096), 2 => random.Next(4096, 70_000), _ => 300_000 });
            var read = await stream.ReadAsync(received.AsMemory(total, chunk));
            if (read == 0) throw new EndOfStreamException($"stream ended after {total} of {length} bytes");
            total += read;
        }
        return received;
    }

    private static CipherState Keyed(byte[] key)
    {
        var cipher = new CipherState();
        cipher.InitializeKey(key);
        return cipher;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
