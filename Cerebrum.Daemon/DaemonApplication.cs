using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Daemon.Market;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.PubSub;
using Cerebrum.Daemon.ServiceManager;
using Cerebrum.Daemon.Status;
using Cerebrum.Daemon.Telemetry;
using Cerebrum.Daemon.Validator;
using Cerebrum.Daemon.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Cerebrum.Daemon;

/// <summary>
/// One running daemon: the network service and the admin API in one ASP.NET Core host, plus the data-directory
/// files that advertise it (<c>.lock</c>, <c>.cookie</c>, <c>admin.url</c>). Start-up ends by printing the
/// <c>listening</c> lines, so a supervisor that sees them can use every interface at once.
/// </summary>
public sealed class DaemonApplication : IAsyncDisposable
{
    private readonly DataDirectory _dataDirectory;
    private readonly WebApplication _app;
    private readonly AdminCookie _cookie;
    private readonly TextWriter _stdout;
    private readonly SystemdEnvironment _systemd;
    private readonly ILogger _logger;
    private FileStream? _lock;
    private bool _advertised;

    private DaemonApplication(DataDirectory dataDirectory, WebApplication app, AdminCookie cookie, TextWriter stdout, SystemdEnvironment systemd)
    {
        _dataDirectory = dataDirectory;
        _app = app;
        _cookie = cookie;
        _stdout = stdout;
        _systemd = systemd;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<DaemonApplication>();
    }

    public Uri? AdminUrl { get; private set; }

    public NetworkService Network => _app.Services.GetRequiredService<NetworkService>();

    public IServiceProvider Services => _app.Services;

    public PubSubService PubSub => _app.Services.GetRequiredService<PubSubService>();

    /// <param name="configuration">The layered configuration the options came from; its "Logging" section sets log levels.</param>
    /// <param name="stdout">Receives the <c>listening</c> lines and nothing else; logs go to standard error.</param>
    /// <param name="systemd">What a service manager asked of this process (<see cref="SystemdEnvironment.FromProcess"/>); none by default. The application owns it.</param>
    /// <param name="traceExporters">With <c>Telemetry:Enabled</c>, replaces the OTLP exporter (tests export spans to memory).</param>
    public static DaemonApplication Create(DataDirectory dataDirectory, PrivateKey identity, DaemonOptions options, IConfiguration configuration, TextWriter stdout,
        SystemdEnvironment? systemd = null, Action<OpenTelemetry.Trace.TracerProviderBuilder>? traceExporters = null)
    {
        systemd ??= SystemdEnvironment.None;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = dataDirectory.Root });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A service that cannot start (a port in use) ends the run with one 'error: cannot start: …' line (RunCommand);
        // the host's own report of it, the exception with its stack at Error, is left to our debug-level log (StartAsync).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        // One line per event; Logging:Console:FormatterName = "json" switches to JSON lines for log collectors, and
        // "systemd" (the default when stderr is the journal) to syslog-priority lines without our own timestamps.
        var formatter = configuration["Logging:Console:FormatterName"];
        if (string.Equals(formatter, ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(console =>
            {
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else if (string.Equals(formatter, ConsoleFormatterNames.Systemd, StringComparison.OrdinalIgnoreCase)
                 || (string.IsNullOrEmpty(formatter) && systemd.LogsToJournal))
        {
            builder.Logging.AddSystemdConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        // stdout carries only machine-readable lines; every log level goes to stderr.
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Shutdown.Timeout);

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Admin.Port));
        // The admin API's bodies are the records the CLI reads (Cerebrum.Core/Operator/Admin), written by their generated serializers.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default));

        // A Windows service when the service control manager started us (stop requests end the run); a no-op otherwise.
        builder.Services.AddWindowsService();
        if (systemd is { Notifier: { } notifier, WatchdogInterval: { } watchdogInterval })
            builder.Services.AddHostedService(services => new SystemdWatchdogService(notifier, watchdogInterval,
                services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<SystemdWatchdogService>>()));

        // The daemon's own meter factory: every Core instrument hangs off it, and the exporter reads only its meters.
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<PrometheusExporter>();
        // Before any service that makes spans, so the provider listens from the first one on.
        DaemonTracing.Add(builder.Services, options.Telemetry, identity.PeerId, traceExporters);
        builder.Services.AddSingleton(services => new DashboardSessions(
            services.GetRequiredService<TimeProvider>(), options.Admin.DashboardLinkLifetime, options.Admin.DashboardSessionLifetime));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(dataDirectory);
        builder.Services.AddSingleton<NetworkService>();
        // The ledger opens before the host listens (opening takes a moment; peers connecting meanwhile would find no
        // gossipsub yet), with its sync handler and topic validators in place; validator mode runs once pubsub does.
        var genesisPath = options.ResolveGenesisPath(dataDirectory);
        if (genesisPath is not null)
        {
            builder.Services.AddSingleton(new ChainGenesisFile(genesisPath));
            builder.Services.AddSingleton<ChainService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ChainService>());
            builder.Services.AddHostedService<AttestationTopicService>();
            builder.Services.AddSingleton<MarketService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<MarketService>());
        }
        builder.Services.AddHostedService(services => services.GetRequiredService<NetworkService>());
        // After the network service: modes start once the host listens and stop (draining their work) before it closes.
        if (options.HasMode(DaemonModes.Node))
        {
            builder.Services.AddSingleton<NodeService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<NodeService>());
            builder.Services.AddHostedService<ChallengeService>();
        }
        builder.Services.AddSingleton<PubSubService>();
        // The status validator is registered before the topics are joined; the heartbeat starts once pubsub runs.
        builder.Services.AddSingleton<NodeDirectoryService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NodeDirectoryService>());
        builder.Services.AddHostedService(services => services.GetRequiredService<PubSubService>());
        if (options.HasMode(DaemonModes.Gateway))
        {
            builder.Services.AddSingleton<GatewayService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<GatewayService>());
            builder.Services.AddSingleton<SecondRunService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<SecondRunService>());
        }
        if (options.HasMode(DaemonModes.Node))
        {
            builder.Services.AddSingleton<NodeHeartbeatService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<NodeHeartbeatService>());
            if (genesisPath is not null)
            {
                builder.Services.AddSingleton<MarketOfferService>();
                builder.Services.AddHostedService(services => services.GetRequiredService<MarketOfferService>());
            }
        }
        if (options.HasMode(DaemonModes.Validator))
        {
            builder.Services.AddSingleton<ValidatorService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ValidatorService>());
            builder.Services.AddSingleton<NodeVerifierService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<NodeVerifierService>());
        }
        // Last: batch jobs resume once the network, the node directory, the market and the gateway run, and stop first.
        builder.Services.AddSingleton<BatchJobService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BatchJobService>());

        var cookie = AdminCookie.Generate();
        var app = builder.Build();
        if (genesisPath is null)
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ChainService>()
                .LogInformation("The ledger is off: no genesis file (set Chain:Genesis or run cerebrumd init --devnet N)");
        // Created before any service starts, so the counters miss nothing from the first connection on.
        app.Services.GetRequiredService<PrometheusExporter>();
        app.UseAdminCookieAuthentication(cookie, app.Services.GetRequiredService<DashboardSessions>());
        app.MapAdminApi();
        var daemon = new DaemonApplication(dataDirectory, app, cookie, stdout, systemd);
        foreach (var problem in systemd.Problems)
            daemon._logger.LogWarning("systemd: {Problem}", problem);
        return daemon;
    }

    /// <summary>Takes the data directory's lock, writes the cookie, starts everything, writes admin.url, prints the listening lines.</summary>
    /// <exception cref="IOException">Another daemon holds the data directory.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _lock = AcquireLock(_dataDirectory.LockPath);
        _cookie.WriteTo(_dataDirectory.CookiePath);
        _advertised = true;
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogDebug(e, "Start-up failed");
            if (e is IOException && e.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal))
                throw new IOException($"admin API (Admin:Port, --admin-port): {e.Message}", e);
            throw;
        }

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the admin API did not report its address");
        AdminUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        WriteAtomically(_dataDirectory.AdminUrlPath, AdminUrl.ToString() + Environment.NewLine);

        foreach (var listenAddress in Network.AnnouncedListenAddresses)
            await _stdout.WriteLineAsync($"listening {listenAddress}");
        if (_app.Services.GetService<GatewayService>()?.HttpUrl is { } gatewayUrl)
            await _stdout.WriteLineAsync($"gateway {gatewayUrl.ToString().TrimEnd('/')}");
        await _stdout.FlushAsync(cancellationToken);
        // Only now is everything a unit's dependants might use in place: the listeners, admin.url and the cookie.
        NotifyServiceManager("READY=1", $"STATUS=listening on {string.Join(", ", Network.AnnouncedListenAddresses)}; admin API {AdminUrl}");
    }

    /// <summary>Completes when SIGINT/SIGTERM asks the daemon to stop, or when <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops services (closing connections gracefully), then removes the advertising files and releases the lock.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (_advertised)
                NotifyServiceManager("STOPPING=1", "STATUS=stopping: draining jobs and closing connections");
            await _app.StopAsync();
        }
        finally
        {
            if (_advertised)
            {
                File.Delete(_dataDirectory.AdminUrlPath);
                File.Delete(_dataDirectory.CookiePath);
                _advertised = false;
            }
            if (_lock is not null)
            {
                await _lock.DisposeAsync();
                _lock = null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _systemd.Dispose();
    }

    private void NotifyServiceManager(params ReadOnlySpan<string> assignments)
    {
        if (_systemd.Notifier is not { } notifier)
            return;
        try
        {
            notifier.Notify(assignments);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // A unit of Type=notify then times out and says so; this line tells the operator why.
            _logger.LogWarning("Cannot notify the service manager at {Socket}: {Reason}", notifier.SocketName, e.Message);
        }
    }

    private static FileStream AcquireLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"another cerebrumd is already running with data directory {Path.GetDirectoryName(path)} ({e.Message})", e);
        }
    }

    private static void WriteAtomically(string path, string contents)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }
}
