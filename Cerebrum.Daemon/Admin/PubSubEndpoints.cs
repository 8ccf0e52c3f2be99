using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /pubsub</c>: the joined gossipsub topics with their mesh and topic peer counts.</summary>
public static class PubSubEndpoints
{
    public static IEndpointRouteBuilder MapPubSubEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.PubSub, (PubSubService pubSub) => pubSub.GetTopicStatus());
        return endpoints;
    }
}
