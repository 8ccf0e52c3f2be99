using System.Text.Json;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Interop;

/// <summary>A js-libp2p peer (scripts/interop/peer.mjs) in a child process.</summary>
public static class JsPeer
{
    /// <summary>Starts a listening js peer and waits for its "listening" line.</summary>
    public static async Task<(NodeScriptProcess Peer, JsonElement Listening)> ListenAsync(string key, string host = "127.0.0.1")
    {
        var peer = NodeScriptProcess.Start("peer.mjs", ["listen", "--key", key, "--host", host, "--port", "0"]);
        try
        {
            var listening = await peer.WaitForAsync("listening", TimeSpan.FromSeconds(30));
            return (peer, listening);
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a dial action to completion and returns its exit code and events.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<JsonElement> Events, string Stderr)> DialAsync(string key, string address, TimeSpan timeout, params string[] action)
    {
        await using var peer = NodeScriptProcess.Start("peer.mjs", ["dial", "--key", key, "--addr", address, .. action]);
        var exit = await peer.WaitForExitAsync(timeout);
        return (exit, peer.Events, peer.Stderr);
    }
}
