using System.Globalization;

namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// The admin API's paths, mapped by cerebrumd and requested by the CLI. Templates (<c>{name}</c>) are for mapping; the
/// methods beside them fill one in for a request.
/// </summary>
public static class AdminRoutes
{
    public const string Status = "/status";
    public const string Metrics = "/metrics";
    public const string Dashboard = "/";
    public const string DashboardScript = "/dashboard.js";
    public const string DashboardLinks = "/dashboard/links";
    public const string DashboardLogin = "/dashboard/login";
    public const string Peers = "/peers";
    public const string PeersConnect = "/peers/connect";
    public const string Models = "/models";
    public const string DhtPeer = "/dht/peers/{peerId}";
    public const string DhtProviders = "/dht/providers/{hash}";
    public const string Jobs = "/jobs";
    public const string PubSub = "/pubsub";
    public const string Nodes = "/nodes";
    public const string GatewayKeys = "/gateway/keys";
    public const string GatewayKey = "/gateway/keys/{name}";
    public const string GatewayRoutes = "/gateway/routes";
    public const string GatewayUsage = "/gateway/usage";
    public const string ChainStatus = "/chain/status";
    public const string ChainConsensus = "/chain/consensus";
    public const string ValidatorChecks = "/validator/checks";
    public const string ChainBlock = "/chain/blocks/{height}";
    public const string ChainAccount = "/chain/accounts/{peerId}";
    public const string ChainValidators = "/chain/validators";
    public const string ChainTransactions = "/chain/txs";
    public const string ChainTransactionCheck = "/chain/txs/check";
    public const string ChainTransaction = "/chain/txs/{hash}";
    public const string ChainNodes = "/chain/nodes";
    public const string ChainNode = "/chain/nodes/{peerId}";
    public const string ChainSupply = "/chain/supply";
    public const string MarketChannels = "/market/channels";
    public const string MarketChannelClaim = "/market/channels/claim";
    public const string MarketChannelClose = "/market/channels/{id}/close";
    public const string MarketChannelTopUp = "/market/channels/{id}/topup";
    public const string MarketLeases = "/market/leases";
    public const string MarketLeaseClose = "/market/leases/{id}/close";
    public const string MarketOffers = "/market/offers";
    public const string MarketJobs = "/market/jobs";
    public const string MarketJob = "/market/jobs/{id}";
    public const string MarketJobCancel = "/market/jobs/{id}/cancel";

    public static string DhtPeerOf(string peerId) => $"/dht/peers/{Uri.EscapeDataString(peerId)}";

    public static string DhtProvidersOf(string modelHash) => $"/dht/providers/{Uri.EscapeDataString(modelHash)}";

    public static string GatewayKeyNamed(string name) => $"/gateway/keys/{Uri.EscapeDataString(name)}";

    public static string ChainBlockAt(ulong height) => $"/chain/blocks/{height.ToString(CultureInfo.InvariantCulture)}";

    public static string ChainAccountOf(string peerId) => $"/chain/accounts/{Uri.EscapeDataString(peerId)}";

    public static string ChainNodeOf(string peerId) => $"/chain/nodes/{Uri.EscapeDataString(peerId)}";

    public static string MarketChannelCloseOf(string id) => $"/market/channels/{Uri.EscapeDataString(id)}/close";

    public static string MarketChannelTopUpOf(string id) => $"/market/channels/{Uri.EscapeDataString(id)}/topup";

    public static string MarketLeaseCloseOf(string id) => $"/market/leases/{Uri.EscapeDataString(id)}/close";

    public static string MarketJobOf(string id) => $"/market/jobs/{Uri.EscapeDataString(id)}";

    public static string MarketJobCancelOf(string id) => $"/market/jobs/{Uri.EscapeDataString(id)}/cancel";

    public static string ChainTransactionOf(string hash) => $"/chain/txs/{Uri.EscapeDataString(hash)}";
}
