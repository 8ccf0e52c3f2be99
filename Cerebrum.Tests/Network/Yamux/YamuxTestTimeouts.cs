namespace Cerebrum.Tests.Network.Yamux;

internal static class YamuxTestTimeouts
{
    /// <summary>Upper bound for any single awaited event; generous because the CI machine is shared.</summary>
    public static readonly TimeSpan Event = TimeSpan.FromSeconds(10);

    /// <summary>How long something must stay pending to count as blocked.</summary>
    public static readonly TimeSpan StaysPending = TimeSpan.FromMilliseconds(300);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <see cref="Event"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Event;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(5);
        }
    }
}
