using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cerebrum.Daemon.Configuration;

/// <summary>The config.json that <c>cerebrumd init</c> writes: every option at its default, so operators see what they can change.</summary>
public static class DefaultConfigFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Render()
    {
        var defaults = new DaemonOptions
        {
            Network = new NetworkOptions { ListenAddresses = NetworkOptions.DefaultListenAddresses },
            PubSub = new PubSubOptions { Topics = PubSubOptions.DefaultTopics },
        };
        var root = JsonSerializer.SerializeToNode(defaults)!.AsObject();
        root["Logging"] = new JsonObject
        {
            ["LogLevel"] = new JsonObject
            {
                ["Default"] = "Information",
                ["Microsoft.AspNetCore"] = "Warning",
            },
        };
        return root.ToJsonString(Indented) + Environment.NewLine;
    }

    /// <summary>Writes the defaults unless the file exists.</summary>
    /// <returns>False when a config file was already there (it is left untouched).</returns>
    public static bool TryCreate(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            using var writer = new StreamWriter(stream);
            writer.Write(Render());
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}
