using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Interop;

/// <summary>A js-libp2p peer with relay, relay-client or kad-dht services (scripts/interop/reach-peer.mjs), driven by commands on its stdin.</summary>
public sealed class JsReachPeer : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(45);
    private readonly NodeScriptProcess _process;
    private int _commands;

    private JsReachPeer(NodeScriptProcess process, string peerId)
    {
        _process = process;
        PeerId = peerId;
    }

    public string PeerId { get; }

    /// <param name="arguments">reach-peer.mjs options, e.g. <c>--relay-server</c>, <c>--reserve-on MULTIADDR</c>, <c>--kad PROTOCOL</c>.</param>
    public static Task<JsReachPeer> StartAsync(params string[] arguments) => StartInAsync(null, arguments);

    /// <summary>As <see cref="StartAsync"/>, in <paramref name="space"/> (a host of a network namespace testbed) when it is given.</summary>
    internal static async Task<JsReachPeer> StartInAsync(TestSupport.Netns.NetworkNamespace? space, params string[] arguments)
    {
        var process = NodeScriptProcess.Start("reach-peer.mjs", arguments, space);
        try
        {
            var listening = await process.WaitForAsync("listening", TimeSpan.FromSeconds(30));
            return new JsReachPeer(process, listening.GetProperty("peerId").GetString()!);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public string Stderr => _process.Stderr;

    /// <summary>Sends <paramref name="command"/> (with an id added) and returns its result; a failed command fails the test with the peer's error.</summary>
    public async Task<JsonElement> RunAsync(string command, JsonObject? arguments = null)
    {
        var id = Interlocked.Increment(ref _commands);
        var line = arguments?.DeepClone().AsObject() ?? [];
        line["id"] = id;
        line["cmd"] = command;
        await _process.SendLineAsync(line.ToJsonString());
        return await _process.WaitForAsync("result", CommandTimeout, e => e.GetProperty("id").ValueKind == JsonValueKind.Number && e.GetProperty("id").GetInt32() == id);
    }

    public async Task<IReadOnlyList<string>> AddressesAsync() =>
        [.. (await RunAsync("addrs")).GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!)];

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
