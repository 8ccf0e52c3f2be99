namespace Cerebrum.Tests.TestSupport;

/// <summary>Waits for a condition that another party makes true, bounded by a timeout.</summary>
public static class Poll
{
    /// <summary>Between checks of an in-process condition (cheap to evaluate).</summary>
    private static readonly TimeSpan LocalInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Between probes of another process (each an HTTP request or a CLI run).</summary>
    private static readonly TimeSpan RemoteInterval = TimeSpan.FromMilliseconds(50);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"condition not met within {timeout.TotalSeconds} s");
            await Task.Delay(LocalInterval);
        }
    }

    /// <summary>Probes another party until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        UntilAsync(condition, static met => met, timeout, static _ => "not met");

    /// <summary>
    /// Runs <paramref name="probe"/> until <paramref name="done"/> accepts its result and returns that result; fails the test
    /// after <paramref name="timeout"/> with the last result, as <paramref name="describe"/> tells it.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await probe();
            if (done(result)) return result;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"condition not met within {timeout.TotalSeconds} s; last: {describe(result)}");
            await Task.Delay(RemoteInterval);
        }
    }
}
