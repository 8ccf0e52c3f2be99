using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Upgrading;

namespace Cerebrum.Tests.Network.Upgrading;

[TestFixture]
public sealed class ConnectionUpgraderTests
{
    [Test]
    public void Early_muxer_is_the_initiators_first_choice_the_responder_lists()
    {
        var chosen = ConnectionUpgrader.SelectEarlyMuxer(["/mplex/6.7.0", "/yamux/1.0.0"], ["/yamux/1.0.0", "/mplex/6.7.0"]);

        Assert.That(chosen, Is.EqualTo("/mplex/6.7.0"));
    }

    [TestCase(new string[0], new[] { "/yamux/1.0.0" })]
    [TestCase(new[] { "/yamux/1.0.0" }, new string[0])]
    public void Without_both_lists_multistream_select_decides(string[] initiator, string[] responder)
    {
        Assert.That(ConnectionUpgrader.SelectEarlyMuxer(initiator, responder), Is.Null);
    }

    [Test]
    public void Lists_without_a_common_muxer_fail_the_upgrade()
    {
        var error = Assert.Throws<ProtocolNotSupportedException>(() => ConnectionUpgrader.SelectEarlyMuxer(["/yamux/1.0.0"], ["/mplex/6.7.0"]));

        Assert.That(error!.Protocols, Is.EqualTo(new[] { "/yamux/1.0.0" }));
    }
}
