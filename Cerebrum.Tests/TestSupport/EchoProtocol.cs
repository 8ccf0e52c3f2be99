using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Streams;

namespace Cerebrum.Tests.TestSupport;

/// <summary>/cerebrum/echo/1.0.0: echoes bytes until the remote half-closes. Test-only protocol, also served by the js interop peer.</summary>
public static class EchoProtocol
{
    public const string Id = "/cerebrum/echo/1.0.0";

    public static async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await stream.Stream.ReadAsync(buffer, ct)) > 0)
            await stream.Stream.WriteAsync(buffer.AsMemory(0, n), ct);
        await stream.CompleteWritesAsync(ct);
    }

    /// <summary>Sends <paramref name="payload"/> on a new echo stream and returns what comes back.</summary>
    public static async Task<byte[]> RoundTripAsync(Connection connection, byte[] payload, CancellationToken ct)
    {
        await using var stream = await connection.OpenStreamAsync(Id, ct);
        var writing = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 16 * 1024)
                await stream.Stream.WriteAsync(payload.AsMemory(offset, Math.Min(16 * 1024, payload.Length - offset)), ct);
            await stream.CompleteWritesAsync(ct);
        }, ct);
        using var received = new MemoryStream();
        await stream.Stream.CopyToAsync(received, ct);
        await writing;
        return received.ToArray();
    }

    public static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
