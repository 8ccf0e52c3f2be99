using System.Collections.Concurrent;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Core.Network;
using Cerebrum.Core.Verification;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Verification;

/// <summary>
/// A validator's canaries as a stranger's jobs: a throwaway identity (its own key at <c>DIR/canary/&lt;peer id&gt;/key</c>,
/// so no money is ever stranded), its own libp2p host (no listeners, a client like any app's), its own account funded by
/// the validator with <see cref="VerificationOptions.CanaryFunding"/>, and the gateway's payer (<see cref="GatewayPayments"/>
/// over the market's <see cref="Marketplace"/> in that directory): a channel opened to the node on the first job, a
/// voucher on every job, the first job to a node tried unpaid as a gateway does before it has the node's heartbeat. After
/// <see cref="VerificationOptions.CanaryRotation"/> jobs the next identity takes over. Nothing on the wire marks it.
/// A retired identity is swept back into the validator's account (<see cref="PayerSweep"/>, a step every
/// <see cref="VerificationOptions.Tick"/> once <see cref="Start"/>ed): its channels closed and, after the chain's settle
/// delay, settled, then its balance transferred less the fee; its directory is deleted once nothing is left to move.
/// Identities found in <c>DIR/canary</c> at start (retired before a restart) are swept the same way.
/// </summary>
public sealed class StrangerCanaryClient : ICanaryClient, IAsyncDisposable
{
    private readonly PeerHost _validatorHost;
    private readonly ChainNode _chain;
    private readonly Func<byte[], TransactionSubmission> _submit;
    private readonly Func<Transaction, ChainError?> _fund;
    private readonly string _directory;
    private readonly VerificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<PeerId, (PayerSweep Sweep, PrivateKey Key, string Directory)> _retired = new();
    private readonly BackgroundTasks _tasks;
    private Stranger? _current;

    /// <param name="fund">Submits a transaction as the validator (the transfer that funds each new identity).</param>
    public StrangerCanaryClient(PeerHost validatorHost, ChainNode chain, Func<byte[], TransactionSubmission> submit, Func<Transaction, ChainError?> fund,
        string dataDirectory, VerificationOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _validatorHost = validatorHost;
        _chain = chain;
        _submit = submit;
        _fund = fund;
        _directory = Path.Combine(dataDirectory, "canary");
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<StrangerCanaryClient>();
        _tasks = new BackgroundTasks(_logger);
    }

    /// <summary>Identities retired and not yet swept empty.</summary>
    public IReadOnlyCollection<PeerId> Retired => [.. _retired.Keys];

    /// <summary>Takes up the identities a previous run left in <c>DIR/canary</c> and starts sweeping retired identities.</summary>
    public void Start()
    {
        if (Directory.Exists(_directory))
        {
            foreach (var directory in Directory.GetDirectories(_directory))
            {
                var keyPath = Path.Combine(directory, "key");
                if (!File.Exists(keyPath)) continue;
                try
                {
                    Retire(KeyFile.Load(keyPath), directory);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    _logger.LogWarning("Canary identity in {Directory} not swept: its key cannot be read ({Reason})", directory, e.Message);
                }
            }
        }
        _tasks.Run("canary identity sweeps", SweepAsync);
    }

    /// <summary>The identity the canaries are sent from now (null before the first).</summary>
    public PeerId? Identity => _current?.Key.PeerId;

    public async Task<InferCallResult> RunAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken ct)
    {
        var stranger = await CurrentAsync(ct);
        if (_validatorHost.PeerStore.Get(node) is { } known) stranger.Host.PeerStore.AddAddresses(node, known.Addresses);
        var result = await stranger.Client.InferAsync(node, modelHash, inputs, deadline, ct);
        if (result.Binding is { } binding) stranger.Prices[(node, modelHash)] = binding.Price;
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _tasks.DisposeAsync();
        if (_current is { } current)
        {
            await current.DisposeAsync();
            current.Key.Dispose();
        }
        _current = null;
        foreach (var (_, retired) in _retired) retired.Key.Dispose();
        _retired.Clear();
        _gate.Dispose();
    }

    /// <summary>Sweeps every retired identity one step per tick; an emptied one is forgotten and its directory deleted.</summary>
    private async Task SweepAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.Tick, _time);
        while (await timer.WaitForNextTickAsync(stopping))
        {
            foreach (var (identity, retired) in _retired)
            {
                var stage = retired.Sweep.Step(out var errors);
                foreach (var error in errors) _logger.LogInformation("Sweeping canary identity {Identity}: {Error}", identity, error);
                if (stage != PayerSweep.Stage.Done || !_retired.TryRemove(identity, out _)) continue;
                var left = _chain.GetAccount(identity).Balance;
                _logger.LogInformation("Canary identity {Identity} swept into {Validator}{Left}", identity, _validatorHost.PeerId, left > 0 ? $" ({left} micro-CER, at most one fee, cannot move)" : "");
                retired.Key.Dispose();
                try
                {
                    Directory.Delete(retired.Directory, recursive: true);
                }
                catch (IOException e)
                {
                    _logger.LogWarning("Canary identity directory {Directory} not deleted: {Reason}", retired.Directory, e.Message);
                }
            }
        }
    }

    private void Retire(PrivateKey key, string directory) =>
        _retired[key.PeerId] = (new PayerSweep(_chain, key, _validatorHost.PeerId, _submit), key, directory);

    private async Task<Stranger> CurrentAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_current is { } current && current.Jobs < _options.CanaryRotation)
            {
                current.Jobs++;
                return current;
            }
            if (_current is { } retired)
            {
                _current = null;
                await retired.DisposeAsync();
                Retire(retired.Key, retired.Directory);
            }
            var next = await CreateAsync(ct);
            next.Jobs = 1;
            _current = next;
            return next;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Stranger> CreateAsync(CancellationToken ct)
    {
        var key = PrivateKey.Generate(KeyType.Secp256k1);
        var directory = Directory.CreateDirectory(Path.Combine(_directory, key.PeerId.ToString())).FullName;
        KeyFile.WriteNewOwnerOnly(Path.Combine(directory, "key"), key.ToProtobuf());
        var host = new PeerHost(new PeerHostOptions { Identity = key, ListenAddresses = [], AgentVersion = DaemonVersion.AgentVersion, Time = _time }, _loggerFactory);
        Marketplace? market = null;
        var funded = false;
        try
        {
            await host.StartAsync(ct);
            market = Marketplace.Open(directory, _chain, key, new MarketOptions(), _submit, _loggerFactory.CreateLogger<Marketplace>(), _time);
            var funding = new Transaction
            {
                Fee = _chain.Params.MinFee,
                Transfer = new Transfer { To = ByteString.CopyFrom(key.PeerId.Bytes.Span), Amount = _options.CanaryFunding },
            };
            if (_fund(funding) is { } error) throw new InferCallException(InferCallFailure.Transport, $"the canary identity could not be funded: {error.Message}");
            funded = true;
            await WaitForBalanceAsync(key.PeerId, ct);
            // The deposit leaves room for the channel's and a top-up's fees.
            var deposit = Math.Max(1, (_options.CanaryFunding - 4 * _chain.Params.MinFee) / 2);
            var payments = new GatewayPayments(market, new GatewayPaymentOptions { Deposit = deposit }, _time, _loggerFactory.CreateLogger<GatewayPayments>());
            var stranger = new Stranger(key, directory, host, market, new HostInferNodeClient(host));
            stranger.Client.Payments = (payments, (node, model) => stranger.Prices.GetValueOrDefault((node, model)));
            _logger.LogInformation("Canaries are sent from {Identity} from now on", key.PeerId);
            return stranger;
        }
        catch
        {
            if (market is not null) await market.DisposeAsync();
            await host.DisposeAsync();
            // Once the funding was sent, the identity may hold money: it is swept back like a retired one.
            if (funded) Retire(key, directory);
            else key.Dispose();
            throw;
        }
    }

    private async Task WaitForBalanceAsync(PeerId account, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.StepTimeout);
        var funded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnBlock(object? sender, BlockCommittedEventArgs e)
        {
            if (_chain.GetAccount(account).Balance > 0) funded.TrySetResult();
        }
        _chain.BlockCommitted += OnBlock;
        try
        {
            if (_chain.GetAccount(account).Balance > 0) return;
            await funded.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InferCallException(InferCallFailure.Transport, $"the canary identity {account} was not funded within {_options.StepTimeout.TotalSeconds:0} s");
        }
        finally
        {
            _chain.BlockCommitted -= OnBlock;
        }
    }

    /// <summary>One throwaway identity: its host, market and client, and the prices its jobs were charged (disposing it keeps its key, which its sweep needs).</summary>
    private sealed class Stranger(PrivateKey key, string directory, PeerHost host, Marketplace market, HostInferNodeClient client) : IAsyncDisposable
    {
        public PrivateKey Key { get; } = key;

        public string Directory { get; } = directory;

        public PeerHost Host { get; } = host;

        public HostInferNodeClient Client { get; } = client;

        public ConcurrentDictionary<(PeerId Node, string Model), ulong> Prices { get; } = new();

        public int Jobs { get; set; }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await market.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
