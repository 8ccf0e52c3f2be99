using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Gossip;
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Market;

/// <summary>
/// Runs batch jobs' inputs for this daemon (<see cref="IJobExecutor"/>). With a ledger, a job first gossips a signed
/// job request on <c>cerebrum/1/offers</c> and waits <see cref="JobLimits.QuoteWindow"/> for nodes' quotes
/// (<see cref="Marketplace.Quotes"/>); its nodes are then those that quoted (at their quoted price, which binds them:
/// a node asking more than its quote is not paid), chosen by <see cref="JobNodeSelection"/>. When no usable quote came,
/// its nodes are those whose heartbeats announce its model (with the price of their offer where one was heard, of their
/// heartbeat otherwise), not leased, at no more than the job's maximum price, and payable (a priced node needs this
/// daemon's ledger). Either way only nodes the gateway's route admission admits (<see cref="IRouteAdmission"/>, from
/// <c>Gateway:Routing</c>: by default registered, staked, Active nodes, Registered ones for <c>RegisteredShare</c> of the
/// inputs, never Jailed ones; this daemon's own node always). A job with a lease runs only on the lease's node, which
/// serves its tenant free, whatever its standing. An input goes to its node over <c>/cerebrum/infer/</c>
/// under its request key (the request's job id and idempotency key), paid through the gateway's payer side
/// (<see cref="GatewayPayments"/>, the grant recorded under the key, so a resend after a crash re-presents it), and its
/// receipt is verified against the request and the node's key before the result counts. Text inputs are tokenized and
/// pooled here with the model's own pipeline, as the gateway's embeddings are.
/// </summary>
public sealed class DaemonJobExecutor : IJobExecutor, IDisposable
{
    /// <summary>How long a node has to answer one input (the request's deadline; the runner's attempt timeout also bounds it).</summary>
    private static readonly TimeSpan InputDeadline = TimeSpan.FromSeconds(60);

    /// <summary>How often a job waiting for quotes looks whether enough came.</summary>
    private static readonly TimeSpan QuotePoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Weight of the newest answer time in a node's latency moving average.</summary>
    private const double LatencyWeight = 0.2;

    private readonly PeerHost _host;
    private readonly NodeStatusBook _statuses;
    private readonly Marketplace? _market;
    private readonly GatewayPayments? _payments;
    private readonly Func<InferProtocolHandler?> _localNode;
    private readonly int _maxInFlightPerNode;
    private readonly TimeProvider _time;
    private readonly TextEmbeddingPipelines _pipelines = TextEmbeddingPipelines.Builtin;
    private readonly InferStreamPool _streams = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly MarketGossip? _gossip;
    private readonly IRouteAdmission? _admission;
    private readonly LedgerReadCache? _ledger;
    private readonly RoutingOptions _routing;
    private readonly JobLimits _limits;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Solicitation> _solicitations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PeerId, double> _latencyMs = new();

    /// <param name="market">This daemon's market (null without a ledger: only free nodes are used, and no quotes asked).</param>
    /// <param name="gossip">Where job requests are gossiped (null without a ledger).</param>
    /// <param name="payments">How priced nodes are paid (null without a ledger).</param>
    /// <param name="localNode">This daemon's own node while it serves (it runs jobs free, in process).</param>
    /// <param name="admission">Which nodes may serve which models (the gateway's; null admits every node).</param>
    /// <param name="ledger">The ledger's node records as <paramref name="admission"/> reads them, moved to each new height here (null without a ledger).</param>
    /// <param name="routing">The gateway's routing settings: a node's standing (<see cref="RouteStanding.Of"/>) and the newcomers' share.</param>
    public DaemonJobExecutor(PeerHost host, NodeStatusBook statuses, Marketplace? market, MarketGossip? gossip, GatewayPayments? payments, Func<InferProtocolHandler?> localNode,
        IRouteAdmission? admission, LedgerReadCache? ledger, RoutingOptions routing, JobLimits limits, TimeProvider time, ILogger logger)
    {
        _host = host;
        _statuses = statuses;
        _market = market;
        _gossip = gossip;
        _payments = payments;
        _localNode = localNode;
        _admission = admission;
        _ledger = ledger;
        _routing = routing;
        _limits = limits;
        _maxInFlightPerNode = limits.MaxInFlightPerNode;
        _time = time;
        _logger = logger;
        _host.ConnectionClosed += OnConnectionClosed;
    }

    /// <summary>The gateway's <see cref="RoutingOptions.RegisteredShare"/> when the ledger admits Registered nodes; 0 otherwise.</summary>
    public double RegisteredShare => _ledger is not null && _routing.Admission == NodeAdmission.Active ? _routing.RegisteredShare : 0;

    public string? Refuse(string model, string? leaseId)
    {
        if (leaseId is not null)
        {
            if (_market is null) return "this daemon keeps no ledger, so it has no leases (--lease)";
            if (!Core.Chain.Payments.PaymentIds.TryParse(leaseId, out var id)) return $"'{leaseId}' is not a lease id (64 hex digits)";
            if (_market.Chain.GetLease(id) is not { } lease) return $"the ledger has no lease {leaseId}";
            if (!lease.Tenant.Span.SequenceEqual(_host.PeerId.Bytes.Span)) return $"lease {leaseId} is not this daemon's (its tenant is {PeerId.FromBytes(lease.Tenant.Span)})";
            if (lease.EndUnixMs <= _time.GetUtcNow().ToUnixTimeMilliseconds()) return $"lease {leaseId} has ended";
        }
        var now = _time.GetUtcNow();
        if (FindModel(model, _host.PeerId) is null && (_market?.Offers.Current(now, ModelHash.IsValid(model) ? ModelHash.Normalize(model) : model).Count ?? 0) == 0)
            return $"no node this daemon hears announces model '{model}' (cerebrum net nodes lists the models heard)";
        return null;
    }

    public IReadOnlyList<JobNode> Nodes(JobSpec job)
    {
        var now = _time.GetUtcNow();
        if (job.LeaseId is { } leaseId) return LeasedNode(job, leaseId, now) is { } leased ? [leased] : [];
        if (_ledger is not null && _market is not null) _ledger.MoveTo(_market.Chain.Status.Height);
        var heard = new List<(JobNode, JobNodeStanding)>();
        foreach (var entry in _statuses.Snapshot())
        {
            var status = entry.Status;
            if (status.Models.FirstOrDefault(m => Serves(m.Model, job.Model)) is not { } model) continue;
            // A leased node serves only its tenant, and a job uses it only with --lease.
            if (status.Status.LeasedUntilUnixMs > now.ToUnixTimeMilliseconds()) continue;
            var self = status.Node == _host.PeerId;
            if (self && _localNode() is null) continue;
            if (Standing(status.Node, model.Model, job.Model) is not { } standing) continue;
            var price = self ? 0 : _market?.Offers.Get(status.Node, now)?.Offer.Models.FirstOrDefault(m => m.Hash == model.Model.Hash)?.PricePerRequest
                ?? status.Status.PricePerRequest;
            if (price > 0 && _payments is null) continue;
            if (!self) _host.PeerStore.AddAddresses(status.Node, status.Addresses);
            heard.Add((new JobNode(status.Node.ToString(), Slots(status.Node.ToString(), model.FreeSlots), price, JobNodeSource.Offer, standing.Newcomer), standing));
        }
        var quotes = _market is not null && _solicitations.TryGetValue(job.Id, out var solicitation) && solicitation.RequestId is { } requestId
            ? _market.Quotes.Quotes(requestId, now) : [];
        return JobNodeSelection.Select(quotes, heard, MaxPrice(job), now, (node, hash) => QuoteStanding(job, node, hash), (node, free) => Slots(node.ToString(), free));
    }

    public async Task SolicitQuotesAsync(JobSpec job, int inputs, CancellationToken cancellationToken)
    {
        if (_market is null || _gossip is null || job.LeaseId is not null) return;
        var now = _time.GetUtcNow();
        var solicitation = _solicitations.GetOrAdd(job.Id, _ => new Solicitation());
        JobRequest request;
        lock (solicitation)
        {
            if (solicitation.RequestId is not null && Quoted(job) > 0) return;
            if (solicitation.Sent >= _limits.MaxQuoteRequests) return;
            if (solicitation.Sent > 0 && now - solicitation.LastSent < _limits.QuoteRequestInterval) return;
            if (solicitation.RequestId is { } previous) _market.Quotes.Forget(previous);
            request = new JobRequest
            {
                ChainId = _market.Chain.ChainId,
                Requester = ByteString.CopyFrom(_host.PeerId.Bytes.Span),
                RequestId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(Core.Market.Messages.MarketMessageValidator.RequestIdLength)),
                Model = job.Model,
                Inputs = (uint)Math.Clamp(inputs, 1, _market.Validator.Limits.MaxJobInputs),
                MaxPricePerRequest = MaxPrice(job) ?? ulong.MaxValue,
                IssuedUnixMs = now.ToUnixTimeMilliseconds(),
                // Quotes last no longer than the request's deadline, so it is the quotes' lifetime, not the wait.
                DeadlineUnixMs = (now + _market.Options.QuoteLifetime).ToUnixTimeMilliseconds(),
            };
            foreach (var address in _host.AdvertisedAddresses.Take(_market.Validator.Limits.MaxAddresses))
                request.Addresses.Add(ByteString.CopyFrom(address.WithoutPeerId().ToBytes()));
            solicitation.RequestId = request.RequestId;
            solicitation.Sent++;
            solicitation.LastSent = now;
        }
        if (!_market.Quotes.Register(request))
        {
            _logger.LogWarning("Job {Job}: too many job requests of this daemon are open for quotes; it runs on the offers and heartbeats heard", job.Id);
            return;
        }
        await _gossip.PublishJobRequestAsync(request, cancellationToken).ConfigureAwait(false);
        var until = now + _limits.QuoteWindow;
        while (Quoted(job) < _limits.EnoughQuotes && _time.GetUtcNow() < until)
            await Task.Delay(QuotePoll, _time, cancellationToken).ConfigureAwait(false);
        var quoted = Quoted(job);
        if (quoted > 0)
            _logger.LogInformation("Job {Job}: {Quotes} nodes quoted its request {Number} for {Model}; it runs on them", job.Id, quoted, solicitation.Sent, job.Model);
        else
            _logger.LogInformation("Job {Job}: no usable quote came within {Window} s of its request {Number} for {Model}; it runs on the offers and heartbeats heard",
                job.Id, _limits.QuoteWindow.TotalSeconds, solicitation.Sent, job.Model);
    }

    public void EndJob(JobSpec job)
    {
        if (_solicitations.TryRemove(job.Id, out var solicitation) && solicitation.RequestId is { } requestId) _market?.Quotes.Forget(requestId);
    }

    public async Task<JobAttemptResult> RunAsync(JobSpec job, JobInput input, JobNode node, ReadOnlyMemory<byte> requestKey, CancellationToken cancellationToken)
    {
        var peer = PeerId.Parse(node.PeerId);
        if (FindModel(job.Model, peer) is not { } model)
            return JobAttemptResult.Failure($"no node announces model {job.Model} any more", retryable: true);
        IReadOnlyList<Tensor> inputs;
        TextEmbeddingPipeline? pipeline = null;
        TokenizedTexts? tokenized = null;
        try
        {
            if (input.IsText)
            {
                pipeline = Pipeline(model);
                using var line = JsonDocument.Parse(input.Line);
                tokenized = pipeline.Tokenize([line.RootElement.GetProperty("text").GetString()!]);
                inputs = tokenized.Inputs;
            }
            else
            {
                inputs = KServeJson.ParseRequest(input.Line, $"input \"{input.Id}\"").Inputs;
            }
        }
        catch (Exception e) when (e is GatewayException or TextEmbeddingException or ArgumentException or JsonException)
        {
            return JobAttemptResult.Failure(e.Message, retryable: false);
        }
        var key = Convert.ToHexStringLower(requestKey.Span);
        var request = InferProtocolClient.CreateRequest(model.Hash, inputs, _time.GetUtcNow() + InputDeadline);
        // The same request on a resend, so a node that ran it answers from its answers without running or charging again.
        request.JobId = key;
        request.RequestKey = ByteString.CopyFrom(requestKey.Span);
        _inFlight.AddOrUpdate(node.PeerId, 1, static (_, n) => n + 1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await InferAsync(job, peer, node, request, key, cancellationToken).ConfigureAwait(false);
            var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _latencyMs.AddOrUpdate(peer, took, (_, average) => average + LatencyWeight * (took - average));
            if (result.Binding is not { } binding) return JobAttemptResult.Failure($"{peer} answered without a receipt", retryable: true);
            if (pipeline is not null)
            {
                var vector = pipeline.Pool(result.Outputs, tokenized!)[0];
                return JobAttemptResult.Success("embedding", KServeJson.FormatVector(vector), binding.ReceiptHashHex, binding.Price);
            }
            return JobAttemptResult.Success("outputs", KServeJson.FormatTensors(result.Outputs), binding.ReceiptHashHex, binding.Price);
        }
        catch (InferCallException e)
        {
            // A bad input fails everywhere; anything else (busy, unreachable, refused, a receipt that does not verify) may go better on another node.
            return JobAttemptResult.Failure($"{peer}: {e.Message}", retryable: e.NodeError != InferenceErrorCode.BadInput);
        }
        catch (TextEmbeddingException e)
        {
            return JobAttemptResult.Failure($"{peer}: {e.Message}", retryable: true);
        }
        finally
        {
            _inFlight.AddOrUpdate(node.PeerId, 0, static (_, n) => n - 1);
        }
    }

    public void Forget(ReadOnlyMemory<byte> requestKey) => _market?.Payer.Forget(Convert.ToHexStringLower(requestKey.Span));

    public void Dispose() => _host.ConnectionClosed -= OnConnectionClosed;

    private async Task<InferCallResult> InferAsync(JobSpec job, PeerId peer, JobNode node, InferRequest request, string key, CancellationToken ct)
    {
        if (peer == _host.PeerId)
        {
            var handler = _localNode() ?? throw new InferCallException(InferCallFailure.Transport, $"{peer} is this daemon, and its node mode is not serving jobs");
            return await InferProtocolClient.InferLocallyAsync(handler, _host.Identity.PublicKey, request, ct).ConfigureAwait(false);
        }
        Connection connection;
        try
        {
            connection = _host.FindConnection(peer) ?? await _host.ConnectAsync(peer, ct).ConfigureAwait(false);
        }
        catch (DialException e)
        {
            throw new InferCallException(InferCallFailure.Transport, $"cannot reach {peer}: {e.Message}", inner: e);
        }
        // A leased node serves its tenant free (the lease prepaid it); without a ledger only free nodes are chosen.
        if (job.LeaseId is not null || _payments is null)
            return await InferProtocolClient.InferAsync(connection, request, ct, pool: _streams, requester: _host.PeerId).ConfigureAwait(false);
        return await _payments.RunAsync(peer, node.Price, payment =>
        {
            if (payment is not null && job.MaxPrice is { } max && payment.MaxPrice > max)
                throw new InferCallException(InferCallFailure.NodeError, $"payment_required: {peer} asks {payment.MaxPrice} micro-CER, above the job's maximum of {max}", InferenceErrorCode.PaymentRequired);
            // A quote binds its node's price: it is never paid more than it quoted.
            if (payment is not null && node.Source == JobNodeSource.Quote && payment.MaxPrice > node.Price)
                throw new InferCallException(InferCallFailure.NodeError, $"payment_required: {peer} asks {payment.MaxPrice} micro-CER, above its quote of {node.Price}", InferenceErrorCode.PaymentRequired);
            var paid = request.Clone();
            if (payment is not null) InferProtocolClient.WithPayment(paid, payment.ChannelId, payment.Voucher, payment.MaxPrice);
            return InferProtocolClient.InferAsync(connection, paid, ct, pool: _streams, requester: _host.PeerId);
        }, ct, key).ConfigureAwait(false);
    }

    /// <summary>The lease's node when the lease is this daemon's, running now, and the node announces the model (or has not been heard yet).</summary>
    private JobNode? LeasedNode(JobSpec job, string leaseId, DateTimeOffset now)
    {
        if (_market is null || !Core.Chain.Payments.PaymentIds.TryParse(leaseId, out var id) || _market.Chain.GetLease(id) is not { } lease) return null;
        if (!lease.Tenant.Span.SequenceEqual(_host.PeerId.Bytes.Span) || lease.EndUnixMs <= now.ToUnixTimeMilliseconds()) return null;
        var node = PeerId.FromBytes(lease.Node.Span);
        var status = _statuses.Find(node)?.Status;
        if (status is not null && status.Models.FirstOrDefault(m => Serves(m.Model, job.Model)) is null) return null;
        if (status is not null) _host.PeerStore.AddAddresses(node, status.Addresses);
        var free = status?.Models.First(m => Serves(m.Model, job.Model)).FreeSlots ?? 1;
        return new JobNode(node.ToString(), Slots(node.ToString(), free), 0, JobNodeSource.Lease);
    }

    /// <summary>The most a job pays an input: its --max-price, and the gateway's Gateway:Payments:MaxPricePerRequest when one is set.</summary>
    private ulong? MaxPrice(JobSpec job)
    {
        var cap = _payments?.Options.MaxPricePerRequest is > 0 and var gateway ? gateway : (ulong?)null;
        return job.MaxPrice is { } max ? Math.Min(max, cap ?? max) : cap;
    }

    /// <summary>How many nodes of <paramref name="job"/> come from quotes now.</summary>
    private int Quoted(JobSpec job) => Nodes(job).Count(n => n.Source == JobNodeSource.Quote);

    /// <summary>
    /// The standing of a node announcing <paramref name="announced"/> for a job naming <paramref name="model"/>, or null
    /// when the route admission refuses it (or routes the hash under another name than the job's). This daemon's own
    /// node is always admitted: its operator vouches for it.
    /// </summary>
    private JobNodeStanding? Standing(PeerId node, ServedModel announced, string model)
    {
        var latency = _latencyMs.TryGetValue(node, out var ms) ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        if (node == _host.PeerId) return new JobNodeStanding(false, Core.Chain.Nodes.NodeReputation.Max, latency);
        if (_admission is not null)
        {
            if (_admission.Admit(node, announced) is not { } name) return null;
            if (!ModelHash.IsValid(model) && name != model) return null;
        }
        var standing = _ledger is null ? RouteStanding.Unchecked : RouteStanding.Of(_ledger.Node(node), _routing);
        return standing is { } known ? new JobNodeStanding(!known.Verified, known.ReputationPpm, latency) : null;
    }

    /// <summary>
    /// The standing of a node that quoted <paramref name="hash"/> for <paramref name="job"/>, or null when the quote is not
    /// for the job's model or the node is not admitted for it. A quote names only the hash: the name it is served under
    /// is the ledger's (with the ledger's admission), or the node's own offer's or heartbeat's.
    /// </summary>
    private JobNodeStanding? QuoteStanding(JobSpec job, PeerId node, string hash)
    {
        if (!ModelHash.IsValid(hash) || node == _host.PeerId) return null;
        hash = ModelHash.Normalize(hash);
        if (ModelHash.IsValid(job.Model) && ModelHash.Normalize(job.Model) != hash) return null;
        var name = _statuses.Find(node)?.Status.Models.FirstOrDefault(m => ModelHash.IsValid(m.Model.Hash) && ModelHash.Normalize(m.Model.Hash) == hash)?.Model.Name
            ?? _market?.Offers.Get(node, _time.GetUtcNow())?.Offer.Models.FirstOrDefault(m => m.Hash == hash)?.Name;
        if (_admission is null && !ModelHash.IsValid(job.Model) && name != job.Model) return null;
        return Standing(node, new ServedModel(name ?? job.Model, hash, "", [], []), job.Model);
    }

    /// <summary>What a node can take of a job's inputs: its announced free slots plus what this daemon already has running there, at least one, at most the limit.</summary>
    private int Slots(string node, uint free) =>
        (int)Math.Clamp(free + (ulong)Math.Max(0, _inFlight.GetValueOrDefault(node)), 1, (ulong)_maxInFlightPerNode);

    /// <summary>The model as <paramref name="node"/> announces it (or any node, when that one is not heard).</summary>
    private ServedModel? FindModel(string model, PeerId node)
    {
        if (_statuses.Find(node)?.Status.Models.FirstOrDefault(m => Serves(m.Model, model)) is { } own) return own.Model;
        return _statuses.Snapshot().SelectMany(e => e.Status.Models).FirstOrDefault(m => Serves(m.Model, model))?.Model;
    }

    private TextEmbeddingPipeline Pipeline(ServedModel model)
    {
        if (model.Task != ModelTasks.TextEmbedding)
            throw new ArgumentException($"model {model.Name} is not a text-embedding model (its task is '{(model.Task.Length == 0 ? "tensor" : model.Task)}'): give \"inputs\" (KServe v2 tensors)");
        var encoding = BuiltinModels.EncodingOf(model.Hash) ?? model.TextEncoding
            ?? throw new ArgumentException($"model {model.Name}'s nodes do not say how to tokenize for it: give \"inputs\" with token ids");
        return _pipelines.For(model.Name, encoding, model.Inputs.Select(i => i.Name));
    }

    private static bool Serves(ServedModel served, string model) =>
        ModelHash.IsValid(model) ? ModelHash.IsValid(served.Hash) && ModelHash.Normalize(served.Hash) == ModelHash.Normalize(model) : served.Name == model;

    private void OnConnectionClosed(object? sender, ConnectionEventArgs e) => _streams.Drop(e.Connection);

    /// <summary>A job's job requests: the open one (its quotes in the market's quote book), how many were sent, and when the last.</summary>
    private sealed class Solicitation
    {
        public ByteString? RequestId { get; set; }

        public int Sent { get; set; }

        public DateTimeOffset LastSent { get; set; }
    }
}
