using Cerebrum.Core.Network.Resources;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Node;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon;

[TestFixture]
public sealed class DaemonConfigurationTests
{
    private const string PeerId = "16Uiu2HAmNLYUsrhHbRQk4rhnk3N5DSXaoRTjpSMzeoQnJCxW1xi1";

    [Test]
    public void DefaultConfigFile_LoadsAndValidates()
    {
        var options = Load(DefaultConfigFile.Render());

        Assert.That(options.Network.ListenAddresses, Is.EqualTo(NetworkOptions.DefaultListenAddresses));
        Assert.That(options.Network.DialTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(options.Admin.Port, Is.Zero);
        Assert.That(options.Network.Perf.ToPerfOptions().Enabled, Is.False, "perf is served only when asked for");
    }

    [Test]
    public void MarketSection_IsBoundAndValidated()
    {
        var options = Load("""
            { "Market": { "OfferInterval": "00:00:05", "Region": "eu-west", "Lease": { "PricePerHour": 250000, "MaxHours": 12 } },
              "Gateway": { "SelfService": { "Enabled": true, "KeysPerIpPerHour": 2, "Budget": 900 } } }
            """);
        Assert.That(options.Market.OfferInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.Market.Region, Is.EqualTo("eu-west"));
        Assert.That((options.Market.Lease.PricePerHour, options.Market.Lease.MaxHours), Is.EqualTo(((ulong?)250_000, 12u)));
        Assert.That((options.Gateway.SelfService.Enabled, options.Gateway.SelfService.KeysPerIpPerHour, options.Gateway.SelfService.Budget), Is.EqualTo((true, 2, 900UL)));

        var market = Assert.Throws<InvalidConfigurationException>(() => Load("""{ "Market": { "Lease": { "PricePerHour": 0 } } }"""))!;
        Assert.That(market.Message, Does.Contain("Market: Market:Lease:PricePerHour must be positive"));
        var gateway = Assert.Throws<InvalidConfigurationException>(() => Load("""{ "Gateway": { "SelfService": { "Budget": 0, "KeysPerIpPerHour": 0 } } }"""))!;
        Assert.That(gateway.Message, Does.Contain("Gateway:SelfService:Budget").And.Contain("Gateway:SelfService:KeysPerIpPerHour"));
    }

    [Test]
    public void PerfServing_IsBound_ForTheChosenPeers()
    {
        var options = Load($$"""
            { "Network": { "Perf": { "Enabled": true, "AllowedPeers": [ "{{PeerId}}" ], "MaxBytesPerStream": 1048576, "MaxConcurrentStreams": 4 } } }
            """);

        var perf = options.Network.Perf.ToPerfOptions();
        Assert.That(perf.Enabled, Is.True);
        Assert.That(perf.AllowedPeers.Select(p => p.ToString()), Is.EqualTo(new[] { PeerId }));
        Assert.That(perf.MaxBytesPerStream, Is.EqualTo(1 << 20));
        Assert.That(perf.MaxConcurrentStreams, Is.EqualTo(4));
    }

    [Test]
    public void ConfigFileValues_AreBound()
    {
        var options = Load($$"""
            {
              "Network": {
                "ListenAddresses": [ "/ip4/127.0.0.1/tcp/4101" ],
                "BootstrapPeers": [ "/ip4/10.0.0.1/tcp/4001/p2p/{{PeerId}}" ],
                "DialTimeout": "00:00:03"
              },
              "Admin": { "Port": 5001 },
              "Shutdown": { "Timeout": "00:00:02" }
            }
            """);

        Assert.That(options.Network.ListenAddresses, Is.EqualTo(new[] { "/ip4/127.0.0.1/tcp/4101" }));
        Assert.That(options.Network.BootstrapPeers, Has.Count.EqualTo(1));
        Assert.That(options.Network.DialTimeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(options.Admin.Port, Is.EqualTo(5001));
        Assert.That(options.Shutdown.Timeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void CommandLineLists_ReplaceTheConfiguredLists()
    {
        var options = Load(
            """{ "Network": { "ListenAddresses": [ "/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001" ] }, "Admin": { "Port": 5001 } }""",
            new CommandLineOverrides { ListenAddresses = ["/ip4/127.0.0.1/tcp/0"], AdminPort = 0, AnnounceAddresses = ["/dns4/node.example/tcp/4001"] });

        Assert.That(options.Network.ListenAddresses, Is.EqualTo(new[] { "/ip4/127.0.0.1/tcp/0" }));
        Assert.That(options.Network.AnnounceAddresses, Is.EqualTo(new[] { "/dns4/node.example/tcp/4001" }));
        Assert.That(options.Admin.Port, Is.Zero);
    }

    [Test]
    public void MissingConfigFile_MeansDefaults()
    {
        using var directory = TemporaryDirectory.Create();
        var options = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(new DataDirectory(directory.Path)), new CommandLineOverrides());

        Assert.That(options.Network.ListenAddresses, Is.EqualTo(NetworkOptions.DefaultListenAddresses));
    }

    [TestCase("""{ "Admin": { "Port": 70000 } }""", "Admin:Port")]
    [TestCase("""{ "Admin": { "Port": "many" } }""", "Admin:Port")]
    [TestCase("""{ "Admin": { "Prot": 1 } }""", "Prot")]
    [TestCase("""{ "Admin": { "DashboardLinkLifetime": "00:00:00" } }""", "Admin:DashboardLinkLifetime")]
    [TestCase("""{ "Admin": { "DashboardSessionLifetime": "-01:00:00" } }""", "Admin:DashboardSessionLifetime")]
    [TestCase("""{ "Network": { "DialTimeout": "00:00:00" } }""", "Network:DialTimeout")]
    [TestCase("""{ "Network": { "DialBackoffBase": "00:01:00", "DialBackoffMax": "00:00:10" } }""", "Network:DialBackoffMax")]
    [TestCase("""{ "Network": { "DialBackoffBase": "00:00:00" } }""", "Network:DialBackoffBase")]
    [TestCase("""{ "Network": { "ListenAddresses": [ "0.0.0.0:4001" ] } }""", "Network:ListenAddresses:0")]
    [TestCase("""{ "Network": { "ListenAddresses": [ "/dns4/example.com/tcp/4001" ] } }""", "Network:ListenAddresses:0")]
    [TestCase("""{ "Network": { "ListenAddresses": [ "/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/tcp/4002/p2p/16Uiu2HAmNLYUsrhHbRQk4rhnk3N5DSXaoRTjpSMzeoQnJCxW1xi1" ] } }""", "Network:ListenAddresses:1")]
    [TestCase("""{ "Network": { "ListenAddresses": [ "/ip4/0.0.0.0/udp/4001" ] } }""", "Network:ListenAddresses:0")]
    [TestCase("""{ "Network": { "AnnounceAddresses": [ "203.0.113.7:4001" ] } }""", "Network:AnnounceAddresses:0")]
    [TestCase("""{ "Network": { "AnnounceAddresses": [ "/ip4/0.0.0.0/tcp/4001" ] } }""", "Network:AnnounceAddresses:0")]
    [TestCase("""{ "Network": { "AnnounceAddresses": [ "/ip4/203.0.113.7/tcp/0" ] } }""", "Network:AnnounceAddresses:0")]
    [TestCase("""{ "Network": { "AnnounceAddresses": [ "/dns4/node.example/tcp/4001", "/ip4/203.0.113.7/tcp/4001/p2p/16Uiu2HAmNLYUsrhHbRQk4rhnk3N5DSXaoRTjpSMzeoQnJCxW1xi1" ] } }""", "Network:AnnounceAddresses:1")]
    [TestCase("""{ "Network": { "BootstrapPeers": [ "/ip4/10.0.0.1/tcp/4001" ] } }""", "Network:BootstrapPeers:0")]
    [TestCase("""{ "Network": { "BootstrapPeers": [ "/ip4/10.0.0.1/tcp/4001/p2p/notapeer" ] } }""", "Network:BootstrapPeers:0")]
    [TestCase("""{ "Network": { "Perf": { "AllowedPeers": [ "notapeer" ] } } }""", "Network:Perf:AllowedPeers:0")]
    [TestCase("""{ "Network": { "Perf": { "MaxBytesPerStream": 0 } } }""", "Network:Perf:MaxBytesPerStream")]
    [TestCase("""{ "Network": { "Perf": { "MaxConcurrentStreams": -1 } } }""", "Network:Perf:MaxConcurrentStreams")]
    [TestCase("""{ "Network": { "Resources": { "MaxMemory": 1024 } } }""", "Network:Resources:MaxMemory")]
    [TestCase("""{ "Network": { "Resources": { "Peer": { "StreamsInbound": -1 } } } }""", "Network:Resources:Peer:StreamsInbound")]
    [TestCase("""{ "Network": { "Resources": { "ProtocolPeers": { "/ipfs/ping/1.0.0": { "Memory": -1 } } } } }""", "Network:Resources:ProtocolPeers:/ipfs/ping/1.0.0:Memory")]
    [TestCase("""{ "Network": { "Resources": { "ExemptNetworks": [ "10.0.0.0/8", "not-a-network" ] } } }""", "Network:Resources:ExemptNetworks:1")]
    [TestCase("""{ "Shutdown": { "Timeout": "-00:00:01" } }""", "Shutdown:Timeout")]
    [TestCase("""{ "Network": { """, "config.json")]
    public void InvalidConfiguration_IsRefusedNamingTheKey(string json, string expectedInError)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load(json));

        Assert.That(error!.Errors, Has.Some.Contains(expectedInError));
    }

    [Test]
    public void AllErrors_AreReportedAtOnce()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() =>
            Load("""{ "Admin": { "Port": -1 }, "Network": { "DialTimeout": "00:00:00" } }"""));

        Assert.That(error!.Errors, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Run_WithInvalidConfiguration_ExitsWithTheErrorsBeforeStarting()
    {
        using var directory = TemporaryDirectory.Create();
        await InitCommandTests.RunAsync("init", "--data-dir", directory.Path);
        File.WriteAllText(new DataDirectory(directory.Path).ConfigPath, """{ "Admin": { "Port": 123456 } }""");

        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync("run", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain("invalid configuration").And.Contain("Admin:Port"));
        Assert.That(File.Exists(new DataDirectory(directory.Path).AdminUrlPath), Is.False);
    }

    [Test]
    public void NodeSection_AndModes_AreBound_AndTheCommandLineOverridesThem()
    {
        const string json = """
            {
              "Modes": [ "node" ],
              "Node": {
                "Models": [ "all-minilm-l6-v2" ],
                "Serving": { "MaxConcurrency": 2, "MaxBatchSize": 16, "MaxQueueDelay": "00:00:00.002" },
                "PerModel": { "add": { "MaxQueueLength": 5 } }
              }
            }
            """;

        var options = Load(json);
        var overridden = Load(json, new CommandLineOverrides { Modes = ["NODE,node"], Gpu = true });

        Assert.That(options.Modes, Is.EqualTo(new[] { "node" }));
        Assert.That(options.Node.Models, Is.EqualTo(new[] { "all-minilm-l6-v2" }));
        Assert.That(options.Node.Serving.MaxBatchSize, Is.EqualTo(16));
        Assert.That(options.Node.Serving.MaxQueueDelay, Is.EqualTo(TimeSpan.FromMilliseconds(2)));
        Assert.That(options.Node.PerModel["add"].MaxQueueLength, Is.EqualTo(5));
        Assert.That(options.Node.Gpu, Is.False);
        Assert.That(overridden.Modes, Is.EqualTo(new[] { "node" }));
        Assert.That(overridden.Node.Gpu, Is.True);
    }

    [Test]
    public void NetworkResources_AreBound_OverTheScaledDefaults()
    {
        var defaults = Load("{}").Network.Resources.ToResourceManagerOptions();
        var configured = Load("""
            {
              "Network": {
                "Resources": {
                  "MaxMemory": 268435456,
                  "Ip": { "ConnectionsInbound": 2 },
                  "ProtocolPeers": { "/ipfs/ping/1.0.0": { "StreamsInbound": 1 } },
                  "ExemptNetworks": [ "10.0.0.0/8" ]
                }
              }
            }
            """).Network.Resources.ToResourceManagerOptions();

        Assert.That(defaults.MaxMemory, Is.Null);
        Assert.That(defaults.ExemptNetworks, Is.EqualTo(ResourceManagerOptions.DefaultExemptNetworks));
        var limits = configured.Resolve();
        Assert.That(limits.System.Memory, Is.EqualTo(256L << 20));
        Assert.That(limits.Ip.ConnectionsInbound, Is.EqualTo(2));
        Assert.That(limits.ForProtocolPeer("/ipfs/ping/1.0.0").StreamsInbound, Is.EqualTo(1));
        Assert.That(configured.ExemptNetworks, Is.EqualTo(new[] { System.Net.IPNetwork.Parse("10.0.0.0/8") }));
    }

    [Test]
    public void NodeOnnxRuntimeThreading_IsBound_AndReachesTheEngineOptions()
    {
        var defaults = NodeEngineOptions.From(Load("{}").Node);
        var configured = NodeEngineOptions.From(Load("""{ "Node": { "IntraOpThreads": 3, "IntraOpSpinning": true } }""").Node);

        Assert.That(defaults.IntraOpSpinning, Is.False);
        Assert.That(defaults.IntraOpThreads, Is.Zero);
        Assert.That(configured.IntraOpSpinning, Is.True);
        Assert.That(configured.IntraOpThreads, Is.EqualTo(3));
    }

    [Test]
    public void UnknownAndPlannedModes_AndBadServingValues_AreNamedErrors()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() =>
            Load("""{ "Node": { "Serving": { "MaxConcurrency": 0 } } }""", new CommandLineOverrides { Modes = ["node,validator,gateway", "bogus"] }));

        // Every mode of the design is available now: only the unknown one is an error.
        Assert.That(error!.Errors.Where(e => e.StartsWith("Modes:", StringComparison.Ordinal)), Is.EqualTo(new[] { "Modes: unknown mode 'bogus' (available: node, validator, gateway, seed)" }));
        Assert.That(error.Errors, Has.Some.Contains("Node:").And.Contains("MaxConcurrency must be 1..1024"));
    }

    private static DaemonOptions Load(string json, CommandLineOverrides? overrides = null)
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        File.WriteAllText(data.ConfigPath, json);
        return DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), overrides ?? new CommandLineOverrides());
    }
}
