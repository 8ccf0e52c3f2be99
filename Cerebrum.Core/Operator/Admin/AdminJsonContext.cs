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
[JsonSerializable(typeof(List<NodeResponse>))]
[JsonSerializable(typeof(DashboardLinkResponse))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(List<ApiKeyResponse>))]
[JsonSerializable(typeof(RevokeApiKeyResponse))]
[JsonSerializable(typeof(List<RouteResponse>))]
[JsonSerializable(typeof(ChainStatusResponse))]
[JsonSerializable(typeof(ChainConsensusResponse))]
[JsonSerializable(typeof(ChainBlockResponse))]
[JsonSerializable(typeof(ChainAccountResponse))]
[JsonSerializable(typeof(ChainValidatorsResponse))]
[JsonSerializable(typeof(ChainSubmitResponse))]
[JsonSerializable(typeof(ChainTransactionStatusResponse))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
