using Cerebrum.Daemon.Gateway;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class ServerTimingHeaderTests
{
    [Test]
    public void Durations_AreMilliseconds_RoundedToTheMicrosecond()
    {
        var header = ServerTimingHeader.Format(TimeSpan.FromMicroseconds(12), TimeSpan.FromMicroseconds(3512.4));

        Assert.That(header, Is.EqualTo("queue;dur=0.012, compute;dur=3.512"));
    }
}
