using System.Text.Json;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>
/// A js gossipsub peer (scripts/interop/gossip-peer.mjs) in a child process: JSON events on stdout, JSON commands
/// on stdin; closing stdin stops it.
/// </summary>
public sealed class JsGossipPeer : IAsyncDisposable
{
    private readonly NodeScriptProcess _process;

    private JsGossipPeer(NodeScriptProcess process) => _process = process;

    public string PeerId { get; private set; } = "";

    public string Address { get; private set; } = "";

    public string Stderr => _process.Stderr;

    public IReadOnlyList<JsonElement> Events => _process.Events;

    /// <summary>Starts the peer and waits until it listens.</summary>
    public static async Task<JsGossipPeer> StartAsync(params string[] args)
    {
        var peer = new JsGossipPeer(NodeScriptProcess.Start("gossip-peer.mjs", args));
        try
        {
            var listening = await peer.WaitForAsync("listening", TimeSpan.FromSeconds(30));
            peer.PeerId = listening.GetProperty("peerId").GetString()!;
            peer.Address = listening.GetProperty("addrs")[0].GetString()!;
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    public Task SendAsync(object command) => _process.SendLineAsync(JsonSerializer.Serialize(command));

    public Task PublishAsync(string topic, string data) => SendAsync(new { cmd = "publish", topic, data });

    /// <summary>The first event named <paramref name="eventName"/> matching <paramref name="predicate"/>, including ones already seen.</summary>
    public Task<JsonElement> WaitForAsync(string eventName, TimeSpan timeout, Func<JsonElement, bool>? predicate = null) =>
        _process.WaitForAsync(eventName, timeout, predicate);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
