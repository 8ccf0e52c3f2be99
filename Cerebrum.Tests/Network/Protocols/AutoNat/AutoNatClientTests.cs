using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.AutoNat;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Network.Protocols.AutoNat;

/// <summary>The client's rounds: servers asked when due, answers tallied, servers that fail give no evidence.</summary>
[TestFixture]
public sealed class AutoNatClientTests
{
    [Test]
    public async Task Rounds_AskTheServers_AndTheirVerdictsDecideTheStatus()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var keys = Enumerable.Range(0, 5).Select(_ => PrivateKey.Generate(KeyType.Ed25519)).ToList();
        try
        {
            var servers = keys.Select(k => k.PeerId).ToList();
            var asked = new List<PeerId>();
            var reachable = false;
            var tracker = new ReachabilityTracker(new AutoNatClientOptions { ServersPerRound = 4 });
            var client = new AutoNatClient(tracker, () => servers, () => [Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001")], async (server, addresses, ct) =>
            {
                await Task.Yield();
                lock (asked) asked.Add(server);
                if (server == servers[0])
                    throw new IOException("unreachable");
                return reachable
                    ? new AutoNatDialResponse(AutoNatStatus.Ok, "", addresses[0])
                    : new AutoNatDialResponse(AutoNatStatus.DialError, "dial back failed", null);
            }, time);

            var first = await client.ProbeAsync(CancellationToken.None);
            var notDue = await client.ProbeAsync(CancellationToken.None);
            time.Advance(TimeSpan.FromMinutes(16));
            reachable = true;
            var second = await client.ProbeAsync(CancellationToken.None);

            Assert.That(first, Is.EqualTo(3), "one of four servers could not be asked");
            Assert.That(notDue, Is.Zero);
            Assert.That(asked.Take(4), Is.EquivalentTo(servers.Take(4)));
            Assert.That(second, Is.EqualTo(3));
            Assert.That(client.Status, Is.EqualTo(Reachability.Public), "each server's fresh answer replaces its old one");
            Assert.That(tracker.ConfirmedAddresses(time.GetUtcNow()), Is.EqualTo(new[] { Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001") }));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }
}
