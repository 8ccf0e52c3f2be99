namespace Cerebrum.Tests.TestSupport;

/// <summary>Waits for a condition that another party makes true, bounded by a timeout.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"condition not met within {timeout.TotalSeconds} s");
            await Task.Delay(10);
        }
    }
}
