using Cerebrum.Core.Crypto;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;

namespace Cerebrum.Tests.Daemon;

/// <summary>An initialized daemon running in-process on 127.0.0.1 with ephemeral ports, in its own temporary data directory.</summary>
internal sealed class TestDaemon : IAsyncDisposable
{
    private readonly TemporaryDirectory? _ownedDirectory;
    private readonly PrivateKey _identity;

    private TestDaemon(DataDirectory data, TemporaryDirectory? ownedDirectory, PrivateKey identity, DaemonApplication application, StringWriter stdout)
    {
        Data = data;
        _ownedDirectory = ownedDirectory;
        _identity = identity;
        Application = application;
        Stdout = stdout;
    }

    public DataDirectory Data { get; }

    public DaemonApplication Application { get; }

    public PeerId PeerId => _identity.PeerId;

    public StringWriter Stdout { get; }

    public Uri AdminUrl => Application.AdminUrl!;

    /// <summary>An HTTP client of the daemon's admin API, authenticated with its cookie as the CLI is.</summary>
    public HttpClient AdminClient(TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = AdminUrl, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadAllText(Data.CookiePath).Trim());
        return http;
    }

    /// <summary>The first bound listen address with /p2p/&lt;peer-id&gt;, as its `listening` line shows it.</summary>
    public string ListenAddress => Application.Network.AnnouncedListenAddresses[0];

    /// <summary>The first bound listen address alone, e.g. /ip4/127.0.0.1/tcp/40123.</summary>
    public string ListenAddressWithoutPeerId => Application.Network.Host.ListenAddresses[0].ToString();

    /// <param name="dataDirectory">An existing directory to (re)use and keep; by default a temporary one, deleted on dispose.</param>
    /// <param name="modes">Daemon modes, as --mode gives them (e.g. ["node"]).</param>
    /// <param name="listenAddress">Where the daemon listens; by default an ephemeral port on 127.0.0.1.</param>
    /// <param name="traceExporters">With Telemetry:Enabled in the config, where the spans go instead of OTLP.</param>
    /// <param name="configure">Changes to the loaded options (as config.json would make them).</param>
    public static async Task<TestDaemon> StartAsync(CancellationToken cancellationToken, string? dataDirectory = null, IReadOnlyList<string>? bootstrapPeers = null, string listenAddress = "/ip4/127.0.0.1/tcp/0", IReadOnlyList<string>? modes = null,
        Action<OpenTelemetry.Trace.TracerProviderBuilder>? traceExporters = null, Func<DaemonOptions, DaemonOptions>? configure = null)
    {
        var ownedDirectory = dataDirectory is null ? TemporaryDirectory.Create() : null;
        var data = new DataDirectory(dataDirectory ?? ownedDirectory!.Path);
        InitCommand.Run(data, TextWriter.Null);
        var configuration = DataDirectoryConfiguration.Build(data);
        var options = DaemonConfiguration.Load(configuration, new CommandLineOverrides
        {
            ListenAddresses = [listenAddress],
            BootstrapPeers = bootstrapPeers ?? [],
            Modes = modes ?? [],
        });
        if (configure is not null)
            options = configure(options);
        var identity = KeyFile.Load(data.KeyPath);
        var stdout = new StringWriter();
        var application = DaemonApplication.Create(data, identity, options, configuration, stdout, traceExporters: traceExporters);
        await application.StartAsync(cancellationToken);
        return new TestDaemon(data, ownedDirectory, identity, application, stdout);
    }

    public async ValueTask DisposeAsync()
    {
        await Application.DisposeAsync();
        _identity.Dispose();
        await Stdout.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
