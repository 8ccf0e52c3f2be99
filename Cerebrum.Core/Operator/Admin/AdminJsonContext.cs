using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// System.Text.Json source generation for every admin API body (camelCase, ASP.NET Core's web defaults): cerebrumd writes
/// them with it and the CLI reads them with it, so both sides agree on one definition of each record.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AdminError))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(DhtPeerResponse))]
[JsonSerializable(typeof(DhtProvidersResponse))]
[JsonSerializable(typeof(List<PubSubTopicStatus>))]
[JsonSerializable(typeof(List<PeerResponse>))]
[JsonSerializable(typeof(PeerResponse))]
[JsonSerializable(typeof(ConnectRequest))]
[JsonSerializable(typeof(List<ModelResponse>))]
[JsonSerializable(typeof(JobsResponse))]
[JsonSerializable(typeof(BatchJobRequest))]
[JsonSerializable(typeof(BatchJobResponse))]
[JsonSerializable(typeof(List<BatchJobResponse>))]
[JsonSerializable(typeof(List<NodeResponse>))]
[JsonSerializable(typeof(DashboardLinkResponse))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(List<ApiKeyResponse>))]
[JsonSerializable(typeof(RevokeApiKeyResponse))]
[JsonSerializable(typeof(List<RouteResponse>))]
[JsonSerializable(typeof(List<ApiKeyUsageResponse>))]
[JsonSerializable(typeof(ChainStatusResponse))]
[JsonSerializable(typeof(ChainConsensusResponse))]
[JsonSerializable(typeof(ChainBlockResponse))]
[JsonSerializable(typeof(ChainAccountResponse))]
[JsonSerializable(typeof(ChainValidatorsResponse))]
[JsonSerializable(typeof(ChainSubmitResponse))]
[JsonSerializable(typeof(ChainTransactionStatusResponse))]
[JsonSerializable(typeof(ChainNodeResponse))]
[JsonSerializable(typeof(List<ChainNodeSummary>))]
[JsonSerializable(typeof(ChainSupplyResponse))]
[JsonSerializable(typeof(List<ChannelResponse>))]
[JsonSerializable(typeof(OpenChannelRequest))]
[JsonSerializable(typeof(TopUpChannelRequest))]
[JsonSerializable(typeof(MarketTransactionResponse))]
[JsonSerializable(typeof(ClaimRequest))]
[JsonSerializable(typeof(List<ClaimResponse>))]
[JsonSerializable(typeof(OpenLeaseRequest))]
[JsonSerializable(typeof(List<LeaseResponse>))]
[JsonSerializable(typeof(ValidatorChecksResponse))]
[JsonSerializable(typeof(LeaseResponse))]
[JsonSerializable(typeof(List<OfferResponse>))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
