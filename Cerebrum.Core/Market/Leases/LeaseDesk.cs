using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Market.Storage;
using Google.Protobuf;
using LiteDB;

namespace Cerebrum.Core.Market.Leases;

/// <summary>
/// A node's side of leases: answers <c>/cerebrum/lease/1.0.0</c> requests with countersigned terms (its price, the
/// hours asked, its current lease sequence, a short expiry), keeps who the tenant delegates, and tells whether the node
/// is leased now and to whom (<see cref="Current"/>), from the ledger. While a grant is outstanding or a lease runs, no
/// other tenant is granted the node.
/// </summary>
public sealed class LeaseDesk
{
    public const string CollectionName = "lease_grants";

    private readonly ChainNode _chain;
    private readonly PrivateKey _node;
    private readonly MarketStore _store;
    private readonly LeaseOptions _options;
    private readonly MarketMessageValidator _validator;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LeaseGrantRecord> _grants = new(StringComparer.Ordinal);

    public LeaseDesk(ChainNode chain, PrivateKey node, MarketStore store, LeaseOptions options, MarketMessageValidator validator, TimeProvider time)
    {
        options.Validate();
        _chain = chain;
        _node = node;
        _store = store;
        _options = options;
        _validator = validator;
        _time = time;
        foreach (var document in store.ReadAll(CollectionName))
        {
            var record = new LeaseGrantRecord(document["_id"].AsString, PeerId.FromBytes(document["tenant"].AsBinary),
                [.. document["delegates"].AsArray.Select(d => PeerId.FromBytes(d.AsBinary))], DateTimeOffset.FromUnixTimeMilliseconds(document["expires"].AsInt64));
            _grants[record.LeaseId] = record;
        }
    }

    public LeaseOptions Options => _options;

    /// <summary>Answers a tenant's request: countersigned terms, or a typed error.</summary>
    public LeaseResponse Answer(PeerId tenant, LeaseRequest request)
    {
        if (_validator.CheckLeaseRequest(request, out var delegates) is { } malformed) return Error(MarketErrorCode.BadRequest, malformed);
        if (_options.PricePerHour is not { } price) return Error(MarketErrorCode.Unavailable, "this node does not rent itself out");
        if (request.Hours < _options.MinHours || request.Hours > _options.MaxHours)
            return Error(MarketErrorCode.BadRequest, $"this node leases for {_options.MinHours} to {_options.MaxHours} hours, not {request.Hours}");
        if (request.MaxPricePerHour < price) return Error(MarketErrorCode.PriceTooLow, $"this node asks {price} micro-CER per hour, above the {request.MaxPricePerHour} offered");
        if (tenant == _node.PeerId) return Error(MarketErrorCode.BadRequest, "a node cannot lease itself");
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_chain.GetNode(_node.PeerId) is not { } state) return Error(MarketErrorCode.Unavailable, "this node is not registered on the ledger");
            if (Current(now) is { } lease) return Error(MarketErrorCode.Unavailable, $"this node is leased until {lease.Until:O}");
            var leaseId = PaymentIds.ToHex(PaymentIds.Lease(_node.PeerId, state.LeaseSequence));
            PruneLocked(now, state.LeaseId.IsEmpty ? null : PaymentIds.ToHex(state.LeaseId.Span));
            if (_grants.TryGetValue(leaseId, out var outstanding) && outstanding.Expires > now && outstanding.Tenant != tenant)
                return Error(MarketErrorCode.Unavailable, $"this node has granted a lease that may start until {outstanding.Expires:O}");
            var expires = now + _options.GrantLifetime;
            var terms = LeaseTermsSigning.Terms(tenant, _node.PeerId, request.Hours, price, state.LeaseSequence, expires.ToUnixTimeMilliseconds(), delegates);
            var record = new LeaseGrantRecord(leaseId, tenant, delegates, expires);
            _grants[leaseId] = record;
            // The delegates must survive a restart of a leased node; the tenant can only use the grant after its block, so
            // queuing suffices.
            _store.Queue(CollectionName, leaseId, new BsonDocument
            {
                ["_id"] = leaseId,
                ["tenant"] = new BsonValue(tenant.Bytes.ToArray()),
                ["delegates"] = new BsonArray(delegates.Select(d => new BsonValue(d.Bytes.ToArray()))),
                ["expires"] = new BsonValue(expires.ToUnixTimeMilliseconds()),
            });
            return new LeaseResponse { Grant = new LeaseGrant { Terms = terms, NodeSignature = ByteString.CopyFrom(LeaseTermsSigning.Sign(_node, _chain.ChainId, terms)) } };
        }
    }

    /// <summary>The node's running lease, or null: the ledger's record for the node while local time is before its end.</summary>
    public LeaseStatus? Current(DateTimeOffset now)
    {
        if (_chain.GetNode(_node.PeerId) is not { LeaseId.IsEmpty: false } state || _chain.GetLease(state.LeaseId.Span) is not { } lease) return null;
        var until = DateTimeOffset.FromUnixTimeMilliseconds(lease.EndUnixMs);
        if (until <= now) return null;
        var id = PaymentIds.ToHex(state.LeaseId.Span);
        var tenant = PeerId.FromBytes(lease.Tenant.Span);
        IReadOnlyList<PeerId> delegates;
        lock (_gate) delegates = _grants.TryGetValue(id, out var grant) && grant.Tenant == tenant ? grant.Delegates : [];
        return new LeaseStatus(id, tenant, delegates, until);
    }

    /// <summary>
    /// Checks a grant a node sent back (tenant side): terms for this tenant and that node, the hours asked, a price within
    /// the maximum, and the node's signature for this chain. Null when it can be submitted as <c>CreateLease</c>.
    /// </summary>
    public static string? CheckGrant(string chainId, LeaseGrant? grant, PeerId tenant, PeerId node, uint hours, ulong maxPricePerHour)
    {
        if (grant?.Terms is not { } terms) return "the node sent no terms";
        if (!terms.Tenant.Span.SequenceEqual(tenant.Bytes.Span) || !terms.Node.Span.SequenceEqual(node.Bytes.Span)) return "the terms name another tenant or node";
        if (terms.Hours != hours) return $"the terms are for {terms.Hours} hours, not {hours}";
        if (terms.PricePerHour > maxPricePerHour) return $"the node asks {terms.PricePerHour} per hour, above {maxPricePerHour}";
        var key = node.TryGetPublicKey();
        return key is not null && LeaseTermsSigning.Verify(chainId, terms, grant.NodeSignature.Span, key) ? null : "the terms are not signed by the node";
    }

    /// <summary>Forgets grants that can no longer start a lease, except the one of the node's lease on the ledger.</summary>
    private void PruneLocked(DateTimeOffset now, string? ledgerLeaseId)
    {
        foreach (var stale in _grants.Values.Where(g => g.Expires <= now && g.LeaseId != ledgerLeaseId).Select(g => g.LeaseId).ToList())
        {
            _grants.Remove(stale);
            _store.Queue(CollectionName, stale, null);
        }
    }

    private static LeaseResponse Error(MarketErrorCode code, string message) => new() { Error = new MarketError { Code = code, Message = message } };
}
