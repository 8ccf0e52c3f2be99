using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Cerebrum.Tests.Daemon.Telemetry;

[TestFixture]
public sealed class TelemetryConfigurationTests
{
    [Test]
    public void Tracing_IsOffByDefault_AndRegistersNothing()
    {
        var options = Load("{}");
        var services = new ServiceCollection();
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        DaemonTracing.Add(services, options.Telemetry, key.PeerId);

        Assert.That(options.Telemetry.Enabled, Is.False);
        Assert.That(options.Telemetry.SamplingRatio, Is.EqualTo(1.0));
        Assert.That(options.Telemetry.Protocol, Is.EqualTo("grpc"));
        Assert.That(options.Telemetry.ServiceName, Is.EqualTo("cerebrumd"));
        Assert.That(services, Is.Empty);
    }

    [Test]
    public void TheSection_IsRead_AndTheEndpointGetsItsDefaultsAndPath()
    {
        var grpc = Load("""{ "Telemetry": { "Enabled": true, "Endpoint": "http://collector:4317", "SamplingRatio": 0.25, "ServiceName": "gw-eu-1", "ExportInterval": "00:00:01" } }""").Telemetry;
        var http = Load("""{ "Telemetry": { "Enabled": true, "Endpoint": "https://collector:4318", "Protocol": "http/protobuf" } }""").Telemetry;

        Assert.That(grpc.ResolveEndpoint(), Is.EqualTo(new Uri("http://collector:4317")));
        Assert.That(grpc.SamplingRatio, Is.EqualTo(0.25));
        Assert.That(grpc.ServiceName, Is.EqualTo("gw-eu-1"));
        Assert.That(grpc.ExportInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(http.ResolveEndpoint(), Is.EqualTo(new Uri("https://collector:4318/v1/traces")));
        Assert.That(new TelemetryOptions().ResolveEndpoint(), Is.EqualTo(new Uri("http://localhost:4317")));
        Assert.That(Load("""{ "Telemetry": { "Enabled": true, "Endpoint": null } }""").Telemetry.ResolveEndpoint(), Is.EqualTo(new Uri("http://localhost:4317")));
        Assert.That(new TelemetryOptions { Protocol = "http/protobuf" }.ResolveEndpoint(), Is.EqualTo(new Uri("http://localhost:4318/v1/traces")));
        Assert.That(new TelemetryOptions { Protocol = "http/protobuf", Endpoint = "http://c:4318/custom/traces" }.ResolveEndpoint(), Is.EqualTo(new Uri("http://c:4318/custom/traces")));
    }

    [Test]
    public void BadValues_AreNamedErrors_AllAtOnce_EvenWhileOff()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load(
            """{ "Telemetry": { "Endpoint": "collector:4317", "Protocol": "udp", "SamplingRatio": 1.5, "ServiceName": " ", "ExportInterval": "00:00:00" } }"""));

        Assert.That(error!.Errors, Has.Some.StartsWith("Telemetry:Endpoint: 'collector:4317' is not an http:// or https:// URL"));
        Assert.That(error.Errors, Has.Some.StartsWith("Telemetry:Protocol: 'udp' is not \"grpc\" or \"http/protobuf\""));
        Assert.That(error.Errors, Has.Some.StartsWith("Telemetry:SamplingRatio: must be from 0 to 1"));
        Assert.That(error.Errors, Has.Some.EqualTo("Telemetry:ServiceName: must not be empty"));
        Assert.That(error.Errors, Has.Some.StartsWith("Telemetry:ExportInterval: must be a positive duration"));
    }

    [Test]
    public void AnUnknownKey_IsAnError()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load("""{ "Telemetry": { "Enabled": true, "SampleRate": 0.5 } }"""));

        Assert.That(error!.Errors, Has.Some.Contains("SampleRate"));
    }

    [Test]
    public void Enabled_StartsAProviderListeningToCoresSources_AtTheConfiguredRatio()
    {
        var options = Load("""{ "Telemetry": { "Enabled": true, "SamplingRatio": 0 } }""").Telemetry;
        var spans = new List<System.Diagnostics.Activity>();
        var services = new ServiceCollection();
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        DaemonTracing.Add(services, options, key.PeerId, tracing => tracing.AddInMemoryExporter(spans));
        using var provider = services.BuildServiceProvider();
        var tracer = provider.GetRequiredService<TracerProvider>();

        Assert.That(tracer, Is.Not.Null);
        Assert.That(DaemonTracing.Sources, Does.Contain(GatewayTracing.SourceName));
        // Sampled out at the root: the span exists (its context still propagates) but is not recorded or exported.
        using var source = new System.Diagnostics.ActivitySource(GatewayTracing.SourceName);
        using (var span = source.StartActivity("probe"))
        {
            Assert.That(span, Is.Not.Null);
            Assert.That(span!.Recorded, Is.False);
        }
        Assert.That(spans, Is.Empty);
    }

    private static DaemonOptions Load(string json)
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        File.WriteAllText(data.ConfigPath, json);
        return DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), new CommandLineOverrides());
    }
}
