using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Daemon;

/// <summary>A /dnsaddr bootstrap address: resolved through TXT records (retried while DNS fails), then each seed it names is kept connected.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class BootstrapDnsaddrTests
{
    private static readonly NetworkOptions FastRetries = new() { DialBackoffBase = TimeSpan.FromMilliseconds(20), DialBackoffMax = TimeSpan.FromMilliseconds(100) };

    [Test]
    public async Task The_seeds_a_dnsaddr_names_are_dialled_after_a_failed_lookup_and_an_entry_for_another_peer_is_ignored()
    {
        await using var seed = await TestHosts.StartAsync();
        await using var other = await TestHosts.StartAsync();
        await using var node = await TestHosts.StartAsync();
        var lookups = 0;
        var resolver = new DnsaddrResolver((name, _) =>
        {
            Assert.That(name, Is.EqualTo("_dnsaddr.bootstrap.example.org"));
            if (Interlocked.Increment(ref lookups) == 1)
                throw new DnsException("the first answer is lost");
            return Task.FromResult<IReadOnlyList<string>>([$"dnsaddr={TestHosts.AddressOf(seed)}", $"dnsaddr={TestHosts.AddressOf(other)}", "unrelated"]);
        });
        var address = Multiaddress.Parse($"/dnsaddr/bootstrap.example.org/p2p/{seed.PeerId}");
        using var stop = new CancellationTokenSource();
        var dialer = new BootstrapDialer(node, address, FastRetries, TimeProvider.System, NullLogger.Instance, resolver).RunAsync(stop.Token);

        await Poll.UntilAsync(() => node.FindConnection(seed.PeerId) is not null, TestHosts.Timeout);
        Assert.That(lookups, Is.EqualTo(2), "retried after the failed lookup");
        Assert.That(node.FindConnection(other.PeerId), Is.Null, "the /p2p of the dnsaddr keeps only that seed's entries");

        await stop.CancelAsync();
        await dialer.WaitAsync(TestHosts.Timeout);
    }

    [Test]
    public void A_dnsaddr_bootstrap_address_passes_validation_without_a_peer_id_but_a_plain_one_still_needs_it()
    {
        var options = new DaemonOptions { Network = new NetworkOptions { BootstrapPeers = ["/dnsaddr/bootstrap.example.org", "/ip4/127.0.0.1/tcp/4001"] } };
        var errors = DaemonOptionsValidator.Validate(options);
        Assert.That(errors.Where(e => e.StartsWith("Network:BootstrapPeers", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "Network:BootstrapPeers:1: '/ip4/127.0.0.1/tcp/4001' lacks /p2p/<peer-id>; a bootstrap address must name the peer so that its identity is verified" }));
        var bad = DaemonOptionsValidator.Validate(options with { Network = options.Network with { BootstrapPeers = [], Reachability = "maybe", Dht = "both", StaticRelays = ["/ip4/127.0.0.1/tcp/4001"] } });
        Assert.That(bad, Does.Contain("Network:Reachability: 'maybe' is not one of auto, public, private"));
        Assert.That(bad, Does.Contain("Network:Dht: 'both' is not one of auto, server, client"));
        Assert.That(bad, Does.Contain("Network:StaticRelays:0: '/ip4/127.0.0.1/tcp/4001' must be a direct TCP address ending in /p2p/<peer-id>"));
    }
}
