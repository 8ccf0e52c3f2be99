using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Tests.Network.Yamux;

public class YamuxOptionsTests
{
    [Test]
    public void Defaults_AreValidAndMatchTheSpec()
    {
        var options = new YamuxOptions();

        Assert.DoesNotThrow(options.Validate);
        Assert.That(options.InitialWindowSize, Is.EqualTo(256 * 1024));
        Assert.That(options.MaxUnacknowledgedInboundStreams, Is.EqualTo(256));
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return new TestCaseData(new YamuxOptions { InitialWindowSize = 256 * 1024 - 1 }, "InitialWindowSize");
        yield return new TestCaseData(new YamuxOptions { InitialWindowSize = 1024 * 1024, MaxWindowSize = 512 * 1024 }, "MaxWindowSize");
        yield return new TestCaseData(new YamuxOptions { MaxFrameSize = 0 }, "MaxFrameSize");
        yield return new TestCaseData(new YamuxOptions { MaxUnacknowledgedInboundStreams = 0 }, "MaxUnacknowledgedInboundStreams");
        yield return new TestCaseData(new YamuxOptions { MaxStreams = -1 }, "MaxStreams");
        yield return new TestCaseData(new YamuxOptions { KeepAliveInterval = TimeSpan.FromSeconds(-1) }, "KeepAliveInterval");
        yield return new TestCaseData(new YamuxOptions { StreamCloseTimeout = TimeSpan.Zero }, "StreamCloseTimeout");
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_NamesTheOffendingSetting(YamuxOptions options, string setting)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.That(error!.Message, Does.Contain(setting));
    }

    [Test]
    public void Validate_AcceptsDisabledKeepAliveAndInfiniteCloseTimeout()
    {
        var options = new YamuxOptions { KeepAliveInterval = TimeSpan.Zero, StreamCloseTimeout = Timeout.InfiniteTimeSpan };

        Assert.DoesNotThrow(options.Validate);
    }
}
