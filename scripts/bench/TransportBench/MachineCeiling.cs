using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Bench.Transport;

/// <summary>
/// What no libp2p implementation can beat on this machine, measured in the benchmark's own run: ChaCha20-Poly1305 (the
/// only cipher libp2p's Noise uses) encrypting and decrypting full Noise frames on one core, and plain TCP over loopback
/// with no security at all (process CPU per GB moved, both ends). Every byte of a secured stream is encrypted once,
/// decrypted once and carried by TCP once, so with the machine's cores all busy and nothing else costing anything, one
/// stream cannot exceed cores / (encrypt + decrypt + TCP) core-seconds per GB.
/// </summary>
internal static class MachineCeiling
{
    private static readonly TimeSpan CipherDuration = TimeSpan.FromSeconds(2);
    private const long TcpBytes = 4L << 30;
    private const int TcpChunk = 256 * 1024;

    public static object Measure()
    {
        var (encrypt, decrypt) = MeasureCipher();
        var (tcpGBps, tcpCoreSecondsPerGB) = MeasureTcp();
        var coreSecondsPerGB = 1 / encrypt + 1 / decrypt + tcpCoreSecondsPerGB;
        return new
        {
            encryptGBps = Math.Round(encrypt, 3),
            decryptGBps = Math.Round(decrypt, 3),
            tcpGBps = Math.Round(tcpGBps, 3),
            tcpCoreSecondsPerGB = Math.Round(tcpCoreSecondsPerGB, 3),
            cores = Environment.ProcessorCount,
            ceilingGBps = Math.Round(Environment.ProcessorCount / coreSecondsPerGB, 3),
        };
    }

    // GB/s on one thread for each direction, with full-size Noise frames as the transport sends them.
    private static (double Encrypt, double Decrypt) MeasureCipher()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var cipher = new ChaCha20Poly1305(key);
        var plain = new byte[NoiseSecureStream.MaxPlaintextPerFrame];
        RandomNumberGenerator.Fill(plain);
        var sealedFrame = new byte[plain.Length];
        var tag = new byte[16];
        var nonce = new byte[12];
        cipher.Encrypt(nonce, plain, sealedFrame, tag);

        var encrypt = Rate(() => cipher.Encrypt(nonce, plain, sealedFrame, tag));
        var decrypt = Rate(() => cipher.Decrypt(nonce, sealedFrame, tag, plain));
        return (encrypt, decrypt);

        double Rate(Action frame)
        {
            for (var i = 0; i < 2000; i++) frame(); // tier up
            long frames = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < CipherDuration)
            {
                for (var i = 0; i < 256; i++) frame();
                frames += 256;
            }
            return frames * (double)plain.Length / clock.Elapsed.TotalSeconds / 1e9;
        }
    }

    // Plain TCP over loopback, one connection, a sender and a receiver thread: GB/s and process CPU per GB (both ends).
    private static (double GBps, double CoreSecondsPerGB) MeasureTcp()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sender.Connect(listener.LocalEndPoint!);
        using var receiver = listener.Accept();

        Transfer(TcpBytes / 4); // warm-up
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Transfer(TcpBytes);
        clock.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var gigabytes = TcpBytes / 1e9;
        return (gigabytes / clock.Elapsed.TotalSeconds, cpu.TotalSeconds / gigabytes);

        void Transfer(long total)
        {
            var reading = new Thread(() =>
            {
                var buffer = new byte[TcpChunk];
                long received = 0;
                while (received < total)
                {
                    var n = receiver.Receive(buffer);
                    if (n == 0) throw new IOException("loopback connection closed early");
                    received += n;
                }
            });
            reading.Start();
            var chunk = new byte[TcpChunk];
            long sent = 0;
            while (sent < total)
            {
                var n = (int)Math.Min(chunk.Length, total - sent);
                sent += sender.Send(chunk, 0, n, SocketFlags.None);
            }
            if (!reading.Join(TimeSpan.FromMinutes(2))) throw new TimeoutException("the loopback receiver did not finish within 2 minutes");
        }
    }
}
