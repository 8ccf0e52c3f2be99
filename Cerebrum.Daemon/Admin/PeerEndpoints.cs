using Cerebrum.Core.Operator.Admin;
using System.Text.Json;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /peers</c> and <c>POST /peers/connect</c>: the daemon's connections.</summary>
public static class PeerEndpoints
{
    public static IEndpointRouteBuilder MapPeerEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.Peers, (NetworkService network) =>
            network.Host.Connections.OrderBy(c => c.OpenedAt).Select(c => Describe(network, c)).ToList());

        endpoints.MapPost(AdminRoutes.PeersConnect, async (HttpRequest http, NetworkService network, DaemonOptions options, CancellationToken cancellationToken) =>
        {
            ConnectRequest? request;
            try
            {
                request = await http.ReadFromJsonAsync<ConnectRequest>(cancellationToken);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                request = null;
            }
            if (string.IsNullOrWhiteSpace(request?.Addr))
                return Error(StatusCodes.Status400BadRequest, "the body must be {\"addr\": \"<multiaddr>\"}");
            if (!Multiaddress.TryParse(request.Addr, out var address, out var parseError))
                return Error(StatusCodes.Status400BadRequest, parseError);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Network.DialTimeout * 2);
            try
            {
                var connection = await network.Host.DialAsync(address, timeout.Token);
                // Identify and ping now rather than waiting for the background ones, so the answer names the
                // agent and the latency. The connection stands even if the peer answers neither.
                try
                {
                    await network.Host.IdentifyAsync(connection, timeout.Token);
                    await network.Host.PingAsync(connection, timeout.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Left unknown in the answer.
                }
                return Results.Ok(Describe(network, connection));
            }
            catch (DialException e)
            {
                var status = e.Reason is DialFailureReason.InvalidAddress or DialFailureReason.DialSelf
                    ? StatusCodes.Status400BadRequest
                    : StatusCodes.Status502BadGateway;
                return Error(status, DialFailureText.Describe(e));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Error(StatusCodes.Status504GatewayTimeout, $"unreachable: no connection to {address} within {(options.Network.DialTimeout * 2).TotalSeconds:0} s");
            }
        });
        return endpoints;
    }

    private static PeerResponse Describe(NetworkService network, Connection connection)
    {
        var info = network.Host.PeerStore.Get(connection.RemotePeer);
        return new PeerResponse(
            PeerId: connection.RemotePeer.ToString(),
            Address: connection.RemoteAddress.ToString(),
            Direction: connection.Direction == ConnectionDirection.Inbound ? "inbound" : "outbound",
            AgentVersion: info?.AgentVersion,
            Protocols: info?.Protocols ?? [],
            LatencyMs: (connection.LastRtt ?? info?.LastRtt)?.TotalMilliseconds,
            OpenedAt: connection.OpenedAt,
            Relayed: connection.IsRelayed);
    }

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), statusCode: status);
}
