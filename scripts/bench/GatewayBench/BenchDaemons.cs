using System.Globalization;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Configuration;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Gateway;

namespace Cerebrum.Bench.Gateway;

/// <summary>What the gateway benchmarks share: real cerebrumd daemons in this process, and one HTTP request as a load worker.</summary>
internal static class BenchDaemons
{
    /// <summary>Initializes <paramref name="directory"/> (identity key, config.json when missing) and starts a daemon on it.</summary>
    public static async Task<DaemonApplication> StartDaemonAsync(string directory, CommandLineOverrides overrides)
    {
        var data = new DataDirectory(directory);
        InitCommand.Run(data, TextWriter.Null);
        var configuration = DataDirectoryConfiguration.Build(data);
        var options = DaemonConfiguration.Load(configuration, overrides);
        var identity = KeyFile.Load(data.KeyPath);
        var daemon = DaemonApplication.Create(data, identity, options, configuration, TextWriter.Null);
        await daemon.StartAsync(CancellationToken.None);
        return daemon;
    }

    /// <summary>One request i to <paramref name="url"/>; returns the model's run time from the Server-Timing header.</summary>
    public static Func<int, Task<TimeSpan>> Sender(HttpClient http, Uri url, Func<int, string> body) => async i =>
    {
        using var content = new StringContent(body(i), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(url, content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {text}");
        var timing = string.Join(",", response.Headers.GetValues(ServerTimingHeader.Name));
        var compute = timing.Split(',').Select(m => m.Trim()).Single(m => m.StartsWith("compute;dur=", StringComparison.Ordinal));
        return TimeSpan.FromMilliseconds(double.Parse(compute["compute;dur=".Length..], CultureInfo.InvariantCulture));
    };
}
