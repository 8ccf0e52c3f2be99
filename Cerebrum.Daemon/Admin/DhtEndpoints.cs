using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Daemon.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /dht/peers/{peerId}</c> and <c>GET /dht/providers/{hash}</c>: lookups in the Kademlia DHT.</summary>
public static class DhtEndpoints
{
    /// <summary>Bound on one lookup from the admin API: a few rounds of requests, each within the DHT's request timeout.</summary>
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(30);

    public static IEndpointRouteBuilder MapDhtEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.DhtPeer, async (string peerId, NetworkService network, CancellationToken cancellationToken) =>
        {
            if (!PeerId.TryParse(peerId, out var peer, out var parseError))
                return Error(StatusCodes.Status400BadRequest, $"'{peerId}' is not a peer ID: {parseError}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LookupTimeout);
            try
            {
                var found = await network.Reachability.Dht.FindPeerAsync(peer, timeout.Token);
                return found is null
                    ? Error(StatusCodes.Status404NotFound, $"peer {peer} not found in the DHT (offline, or not a DHT server)")
                    : Results.Ok(Describe(found));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Error(StatusCodes.Status504GatewayTimeout, $"the DHT lookup did not end within {LookupTimeout.TotalSeconds:0} s");
            }
        });

        endpoints.MapGet(AdminRoutes.DhtProviders, async (string hash, NetworkService network, CancellationToken cancellationToken) =>
        {
            try
            {
                _ = ModelProviderKey.For(hash); // refused here with its reason rather than as a failed lookup
            }
            catch (FormatException e)
            {
                return Error(StatusCodes.Status400BadRequest, e.Message);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LookupTimeout);
            try
            {
                var providers = await network.Reachability.Dht.FindProvidersAsync(hash, 0, timeout.Token);
                return Results.Ok(new DhtProvidersResponse(hash, [.. providers.Select(Describe)]));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Error(StatusCodes.Status504GatewayTimeout, $"the DHT lookup did not end within {LookupTimeout.TotalSeconds:0} s");
            }
        });
        return endpoints;
    }

    private static DhtPeerResponse Describe(KademliaPeer peer) => new(peer.Id.ToString(), [.. peer.Addresses.Select(a => a.ToString())]);

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), statusCode: status);
}
