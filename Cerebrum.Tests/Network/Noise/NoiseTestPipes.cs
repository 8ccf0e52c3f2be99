using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>An in-memory, socket-free full-duplex connection: two pipes, one per direction.</summary>
internal static class NoiseTestPipes
{
    public static (DuplexPipeStream A, DuplexPipeStream B) CreatePair() => DuplexPipe.Create();

    /// <summary>Upper bound for every wait in these tests, so a bug fails a test instead of hanging the run.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Bounded(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    public static Task Bounded(this ValueTask task) => task.AsTask().WaitAsync(Timeout);
}
