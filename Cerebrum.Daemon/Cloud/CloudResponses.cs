using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Daemon.Cloud;

// The bodies of Cerebrum Cloud's JSON endpoints (GET /cloud/api/...), camelCase. A part the network cannot say yet is
// null or false (Features says which), never a made-up figure.

/// <summary><c>GET /cloud/api/overview</c>: this gateway and what the network it sees holds.</summary>
/// <param name="Gateway">The gateway's peer ID.</param>
/// <param name="Open">True when the gateway needs no API key (<c>--open</c>).</param>
/// <param name="Chain">The ledger's head as this gateway keeps it; null when it keeps no ledger.</param>
public sealed record CloudOverview(
    string Gateway,
    string Version,
    bool Open,
    CloudChain? Chain,
    int NodesHeard,
    int NodesRegistered,
    int ModelsServed,
    int ModelsRegistered,
    CloudFeatures Features);

public sealed record CloudChain(string ChainId, ulong Height, DateTime Time, bool Syncing);

/// <summary>Which kinds of data this gateway can show; the page says plainly what is missing.</summary>
/// <param name="Ledger">Registered models and nodes (the gateway keeps a ledger).</param>
/// <param name="Market">Offers, leases, usage and spend per key.</param>
/// <param name="Verification">Validators' attestations: attested hardware, throughput, latency, reputation. False while the
/// ledger holds no attestation about any node (a network whose validators run no checks, or none yet).</param>
/// <param name="SelfServiceKeys">Visitors may create API keys on the page (<c>Gateway:SelfService:Enabled</c>).</param>
public sealed record CloudFeatures(bool Ledger, bool Market, bool Verification, bool SelfServiceKeys);

/// <summary>One model of <c>GET /cloud/api/models</c>: registered on the ledger, announced by nodes, or both.</summary>
/// <param name="Inputs">The signature nodes announce (empty when no node serves it now).</param>
/// <param name="Registered">The ledger's RegisterModel record; null when the model is only announced.</param>
/// <param name="Nodes">The nodes this gateway routes the model to, with their prices and its own measurements.</param>
public sealed record CloudModel(
    string Name,
    string Hash,
    string Task,
    IReadOnlyList<CloudTensor> Inputs,
    IReadOnlyList<CloudTensor> Outputs,
    CloudModelRegistration? Registered,
    IReadOnlyList<CloudRoute> Nodes);

/// <summary>A tensor of a model's signature; -1 in <see cref="Shape"/> is a dynamic dimension.</summary>
public sealed record CloudTensor(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>A RegisterModel record: who registered the model, at which height, and the signature it declared.</summary>
public sealed record CloudModelRegistration(string Name, string Task, string InputSignature, string OutputSignature, string Owner, ulong Height);

/// <summary>One node serving one model, as this gateway routes to it.</summary>
/// <param name="PricePerRequest">Micro-CER per request, from the node's heartbeat.</param>
/// <param name="LatencyMs">This gateway's moving average of the node's answers.</param>
/// <param name="Available">False while the gateway's circuit breaker skips the node after failures.</param>
/// <param name="Connected">Whether the gateway holds a live connection to the node.</param>
/// <param name="State">The node's state on the ledger as the validators' checks left it: "registered", "active" or "jailed"; null when it is not registered (or the gateway keeps no ledger).</param>
/// <param name="ReputationPpm">Its reputation on the ledger, parts per million; null when it is not registered.</param>
public sealed record CloudRoute(
    string PeerId,
    string Model,
    ulong PricePerRequest,
    uint FreeSlots,
    uint QueueDepth,
    int InFlight,
    double LatencyMs,
    long Served,
    long Failed,
    bool Available,
    bool Connected,
    string? State = null,
    uint? ReputationPpm = null);

/// <summary>One node of <c>GET /cloud/api/nodes</c>: heard on <c>cerebrum/1/status</c>, registered on the ledger, or both.</summary>
/// <param name="Heard">Its latest signed heartbeat (as the admin API's <c>GET /nodes</c> lists it); null when not heard lately.</param>
/// <param name="Registered">Its RegisterNode record; null when it is not registered (or the gateway keeps no ledger).</param>
/// <param name="Attested">What the validators attested about it, as the ledger holds it (state, attested throughput, latency per
/// validator and their stake-weighted median, reputation, checks), in the shape of the admin API's <c>GET /chain/nodes/{peerId}</c>;
/// null when it is not registered.</param>
/// <param name="Reputation">Its reputation over time (ppm by ledger height), as this gateway saw the ledger change since it started.</param>
/// <param name="Lease">Its lease on the ledger while one runs; null when it is not leased (or the gateway keeps no ledger).</param>
public sealed record CloudNode(string PeerId, NodeResponse? Heard, CloudNodeRegistration? Registered, bool Connected, IReadOnlyList<CloudRoute> Routes,
    ChainNodeResponse? Attested = null, IReadOnlyList<CloudReputationPoint>? Reputation = null, CloudNodeLease? Lease = null);

/// <summary>A node's reputation (parts per million) at a ledger height and that block's time.</summary>
public sealed record CloudReputationPoint(ulong Height, DateTime Time, uint ReputationPpm);

/// <summary>The lease a node is under: its id (hex), tenant and end (UTC).</summary>
public sealed record CloudNodeLease(string Id, string Tenant, DateTime End);

public sealed record CloudNodeRegistration(ulong Stake, string Hardware, string Region, IReadOnlyList<string> Models, ulong Height);

/// <summary><c>GET /cloud/api/key</c>: the API key the request presented (never the key itself), or that the gateway is open.</summary>
/// <param name="RatePerSecond">The key's rate limit; 0 is unlimited.</param>
/// <param name="Budget">What the key's requests may cost in all, micro-CER; 0 is unlimited.</param>
public sealed record CloudKey(bool Open, string? Name, double? RatePerSecond, DateTimeOffset? CreatedAt, ulong? Budget = null);

/// <summary>One offer of <c>GET /cloud/api/offers</c>: a node's prices and whether it rents itself out; amounts in micro-CER.</summary>
/// <param name="LeasePricePerHour">Null when the node does not rent itself out.</param>
/// <param name="LeasedUntil">Set while the node is leased.</param>
public sealed record CloudOffer(string Node, IReadOnlyList<CloudOfferedModel> Models, ulong? LeasePricePerHour, uint LeaseMinHours, uint LeaseMaxHours,
    string Hardware, string Region, uint FreeSlots, DateTime? LeasedUntil, DateTime Expires);

public sealed record CloudOfferedModel(string Hash, string Name, string Task, ulong PricePerRequest);

/// <summary>One lease of <c>GET /cloud/api/leases?tenant=PEER_ID</c>; times UTC, amounts in micro-CER.</summary>
/// <param name="Accrued">What the node has earned by the last block's time.</param>
/// <param name="State">"active" or "ended" (its time is up and nobody closed it yet).</param>
public sealed record CloudLease(string Id, string Tenant, string Node, uint Hours, ulong PricePerHour, ulong Prepaid, ulong Accrued, DateTime Start, DateTime End, string State);

/// <summary><c>GET /cloud/api/usage</c>: the presented key's requests and spend in micro-CER, and its budget (0: none).</summary>
/// <param name="Remaining">What the budget leaves; null without a budget.</param>
/// <param name="History">The key's cumulative figures over time, oldest first, as the gateway sampled them since it started (see CloudUsageHistory).</param>
public sealed record CloudUsage(string Name, long Requests, ulong Spent, ulong Budget, ulong? Remaining, IReadOnlyList<CloudUsagePoint> History);

/// <summary>A key's cumulative requests and micro-CER spent at a time (UTC).</summary>
public sealed record CloudUsagePoint(DateTime Time, long Requests, ulong Spent);

/// <summary>The body of <c>POST /cloud/api/keys</c>: the name a visitor gives the key (see <see cref="CloudKeyIssuer.NameRule"/>).</summary>
public sealed record CloudKeyRequest(string? Name);

/// <summary>
/// <c>POST /cloud/api/keys</c>'s answer (201, <c>Cache-Control: no-store</c>): the new key, the only time it is ever sent;
/// the gateway keeps its SHA-256 alone.
/// </summary>
public sealed record CloudCreatedKey(string Name, string Key, double RatePerSecond, ulong Budget, DateTimeOffset CreatedAt);
