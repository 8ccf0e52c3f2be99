using System.Collections.Concurrent;
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
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Google.Protobuf;

namespace Cerebrum.Daemon.Market;

/// <summary>
/// Runs batch jobs' inputs for this daemon (<see cref="IJobExecutor"/>): the nodes of a job are those whose heartbeats
/// announce its model (with the price of their offer where one was heard, of their heartbeat otherwise), not leased,
/// at no more than the job's maximum price, and payable (a priced node needs this daemon's ledger); a job with a lease
/// runs only on the lease's node, which serves its tenant free. An input goes to its node over <c>/cerebrum/infer/</c>
/// under its request key (the request's job id and idempotency key), paid through the gateway's payer side
/// (<see cref="GatewayPayments"/>, the grant recorded under the key, so a resend after a crash re-presents it), and its
/// receipt is verified against the request and the node's key before the result counts. Text inputs are tokenized and
/// pooled here with the model's own pipeline, as the gateway's embeddings are.
/// </summary>
public sealed class DaemonJobExecutor : IJobExecutor, IDisposable
{
    /// <summary>How long a node has to answer one input (the request's deadline; the runner's attempt timeout also bounds it).</summary>
    private static readonly TimeSpan InputDeadline = TimeSpan.FromSeconds(60);

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

    /// <param name="market">This daemon's market (null without a ledger: only free nodes are used).</param>
    /// <param name="payments">How priced nodes are paid (null without a ledger).</param>
    /// <param name="localNode">This daemon's own node while it serves (it runs jobs free, in process).</param>
    public DaemonJobExecutor(PeerHost host, NodeStatusBook statuses, Marketplace? market, GatewayPayments? payments, Func<InferProtocolHandler?> localNode,
        int maxInFlightPerNode, TimeProvider time)
    {
        _host = host;
        _statuses = statuses;
        _market = market;
        _payments = payments;
        _localNode = localNode;
        _maxInFlightPerNode = maxInFlightPerNode;
        _time = time;
        _host.ConnectionClosed += OnConnectionClosed;
    }

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
        var nodes = new List<JobNode>();
        foreach (var entry in _statuses.Snapshot())
        {
            var status = entry.Status;
            if (status.Models.FirstOrDefault(m => Serves(m.Model, job.Model)) is not { } model) continue;
            // A leased node serves only its tenant, and a job uses it only with --lease.
            if (status.Status.LeasedUntilUnixMs > now.ToUnixTimeMilliseconds()) continue;
            var self = status.Node == _host.PeerId;
            if (self && _localNode() is null) continue;
            var price = self ? 0 : _market?.Offers.Get(status.Node, now)?.Offer.Models.FirstOrDefault(m => m.Hash == model.Model.Hash)?.PricePerRequest
                ?? status.Status.PricePerRequest;
            if (job.MaxPrice is { } max && price > max) continue;
            if (price > 0 && _payments is null) continue;
            if (!self) _host.PeerStore.AddAddresses(status.Node, status.Addresses);
            nodes.Add(new JobNode(status.Node.ToString(), Slots(status.Node.ToString(), model.FreeSlots), price));
        }
        return nodes;
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
        try
        {
            var result = await InferAsync(job, peer, node.Price, request, key, cancellationToken).ConfigureAwait(false);
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

    private async Task<InferCallResult> InferAsync(JobSpec job, PeerId peer, ulong price, InferRequest request, string key, CancellationToken ct)
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
        return await _payments.RunAsync(peer, price, payment =>
        {
            if (payment is not null && job.MaxPrice is { } max && payment.MaxPrice > max)
                throw new InferCallException(InferCallFailure.NodeError, $"payment_required: {peer} asks {payment.MaxPrice} micro-CER, above the job's maximum of {max}", InferenceErrorCode.PaymentRequired);
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
        return new JobNode(node.ToString(), Slots(node.ToString(), free), 0);
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
}
