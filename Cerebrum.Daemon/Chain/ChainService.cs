using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Consensus;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Sync;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.PubSub;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.PubSub;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Chain;

/// <summary>
/// The daemon's view of the ledger, in every mode that has a genesis file: opens <see cref="ChainNode"/> on
/// <c>DIR/chain.db</c>, serves <c>/cerebrum/sync/1.0.0</c>, validates and applies <c>cerebrum/1/txs</c> (into the
/// mempool) and <c>cerebrum/1/blocks</c> (finalized block + commit), screens <c>cerebrum/1/consensus</c>, and keeps
/// the view in sync with <see cref="ChainSyncer"/>: at start-up, whenever gossip shows a higher height, and every
/// <see cref="ChainOptions.SyncInterval"/>. Registered before the <see cref="NetworkService"/> (so before
/// <see cref="PubSubService"/>): the ledger is open and its handler and topic validators are in place before peers
/// arrive and the topics are joined; it is stopped last, its sync loop ending when shutdown begins.
/// </summary>
public sealed class ChainService : IHostedService, IAsyncDisposable
{
    public const string TransactionsTopic = "cerebrum/1/txs";
    public const string BlocksTopic = "cerebrum/1/blocks";

    private readonly NetworkService _network;
    private readonly PubSubService _pubSub;
    private readonly ChainOptions _options;
    private readonly DataDirectory _dataDirectory;
    private readonly ChainGenesisFile _genesisFile;
    private readonly TimeProvider _time;
    private readonly ILogger<ChainService> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory _meterFactory;
    private readonly BackgroundTasks _tasks;
    private readonly TransactionGossipBatcher _transactionGossip;
    private readonly TransactionGossipOptions _transactionGossipOptions = new();
    private readonly Channel<bool> _syncRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private ChainNode? _chain;
    private ConsensusMessageScreen? _consensusScreen;
    private long _bestKnownHeight;
    private int _disposed;
    private readonly CancellationToken _applicationStopping;

    public ChainService(NetworkService network, PubSubService pubSub, DaemonOptions options, DataDirectory dataDirectory, ChainGenesisFile genesisFile,
        TimeProvider time, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime, IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        // Registered before the network service, so stopped after it: the sync loop ends as soon as shutdown begins.
        _applicationStopping = lifetime.ApplicationStopping;
        _network = network;
        _pubSub = pubSub;
        _options = options.Chain;
        _dataDirectory = dataDirectory;
        _genesisFile = genesisFile;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ChainService>();
        _tasks = new BackgroundTasks(_logger);
        _transactionGossip = new TransactionGossipBatcher(_transactionGossipOptions, time);
    }

    /// <summary>The ledger; available once the service started.</summary>
    public ChainNode Chain => _chain ?? throw new InvalidOperationException("the chain service has not started");

    /// <summary>True while a peer or gossip has shown a higher height than this view has reached.</summary>
    public bool IsSyncing => _chain is { } chain && (ulong)Interlocked.Read(ref _bestKnownHeight) > chain.Status.Height;

    /// <summary>
    /// Set by validator mode: the consensus driver's gossip check of <c>cerebrum/1/consensus</c>. Without it messages
    /// are checked for shape and signer signature only.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, ValidationResult>? ConsensusValidator { get; set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        GenesisDocument genesis;
        try
        {
            genesis = GenesisDocument.Load(_genesisFile.Path);
            _chain = ChainNode.Open(new ChainNodeOptions
            {
                DataDirectory = _dataDirectory.Root,
                Genesis = genesis,
                CommitVerifier = new ChainCommitVerifier(genesis.ChainId),
            }, _meterFactory);
        }
        catch (ChainException e)
        {
            throw new InvalidOperationException($"cannot open the ledger (genesis {_genesisFile.Path}, store {Path.Combine(_dataDirectory.Root, "chain.db")}): {e.Message}", e);
        }
        var status = _chain.Status;
        _logger.LogInformation("Ledger {ChainId} open at height {Height} (genesis {Genesis})", status.ChainId, status.Height, _genesisFile.Path);

        new SyncProtocolHandler(_chain).Register(_network.Host);
        _consensusScreen = new ConsensusMessageScreen(_chain.ChainId, _options.Consensus.MaxMessageBytes);
        _pubSub.Router.RegisterValidator(TransactionsTopic, ValidateTransactionAsync);
        _pubSub.Router.RegisterValidator(BlocksTopic, ValidateBlockAsync);
        _pubSub.Router.RegisterValidator(ConsensusDriver.Topic, ValidateConsensusAsync);
        _network.Host.ConnectionOpened += OnConnectionOpened;
        _tasks.Run("transaction gossip", stopping => _transactionGossip.RunAsync(PublishTransactionsAsync, stopping));
        RequestSync();
        _tasks.Run("chain sync", async stopping =>
        {
            using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(stopping, _applicationStopping);
            try
            {
                await SyncLoopAsync(shutdown.Token);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                // Shutdown began: the loop's end, not a failure.
            }
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _network.Host.ConnectionOpened -= OnConnectionOpened;
        _pubSub.Router.UnregisterValidator(TransactionsTopic);
        _pubSub.Router.UnregisterValidator(BlocksTopic);
        _pubSub.Router.UnregisterValidator(ConsensusDriver.Topic);
        _network.Host.RemoveHandler(SyncProtocolHandler.ProtocolId);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _tasks.DisposeAsync();
        _chain?.Dispose();
    }

    /// <summary>Admits a SignedTransaction to the mempool and queues it for gossip (batched); the rejection when refused.</summary>
    public Task<TransactionSubmission> SubmitAsync(byte[] encoded, CancellationToken cancellationToken)
    {
        var submission = Chain.SubmitTransaction(encoded);
        // In our mempool either way; peers receive a transaction with the next proposal if not by gossip.
        if (submission.Accepted && !_transactionGossip.Enqueue(encoded))
            _logger.LogDebug("Gossip queue full: transaction {Hash} is not gossiped", Convert.ToHexStringLower(submission.Hash!));
        return Task.FromResult(submission);
    }

    private async Task PublishTransactionsAsync(byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            await _pubSub.Router.PublishAsync(TransactionsTopic, payload, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // In our mempool already; peers receive the transactions with the next proposal if not by gossip.
            _logger.LogDebug("Gossip of {Bytes} bytes of transactions failed: {Reason}", payload.Length, e.Message);
        }
    }

    /// <summary>Publishes a finalized block with its commit on <c>cerebrum/1/blocks</c> (best effort).</summary>
    public async Task PublishBlockAsync(FinalizedBlock block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        var payload = new CommittedBlock { Block = ByteString.CopyFrom(block.BlockBytes), Commit = ByteString.CopyFrom(block.Commit) }.ToByteArray();
        try
        {
            await _pubSub.Router.PublishAsync(BlocksTopic, payload, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _logger.LogDebug("Gossip of block {Height} failed: {Reason}", block.Height, e.Message);
        }
    }

    /// <summary>Notes that some peer is at <paramref name="height"/>; a sync starts when that is beyond this view.</summary>
    public void NoteRemoteHeight(ulong height)
    {
        var known = Interlocked.Read(ref _bestKnownHeight);
        while ((long)height > known)
        {
            var seen = Interlocked.CompareExchange(ref _bestKnownHeight, (long)height, known);
            if (seen == known) break;
            known = seen;
        }
        if (_chain is { } chain && height > chain.Status.Height) RequestSync();
    }

    public void RequestSync() => _syncRequests.Writer.TryWrite(true);

    private void OnConnectionOpened(object? sender, ConnectionEventArgs e) => RequestSync();

    private async Task SyncLoopAsync(CancellationToken cancellationToken)
    {
        var syncer = new ChainSyncer(_network.Host, Chain, logger: _loggerFactory.CreateLogger<ChainSyncer>());
        using var timer = new PeriodicTimer(_options.SyncInterval, _time);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        while (!cancellationToken.IsCancellationRequested)
        {
            var request = _syncRequests.Reader.WaitToReadAsync(cancellationToken).AsTask();
            var woken = await Task.WhenAny(tick, request);
            if (woken == tick)
            {
                if (!await tick) return;
                tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
            }
            _syncRequests.Reader.TryRead(out _);
            var peers = SyncPeers();
            if (peers.Count == 0) continue;
            try
            {
                var result = await syncer.SyncAsync(peers, cancellationToken);
                // Peers' answers replace what gossip claimed, so a bogus height seen in gossip does not stick.
                Interlocked.Exchange(ref _bestKnownHeight, (long)result.BestPeerHeight);
                if (result.BlocksApplied > 0)
                    _logger.LogInformation("Synced {Count} blocks to height {Height}", result.BlocksApplied, result.Height);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Chain sync failed: {Reason}", e.Message);
            }
        }
    }

    // Peers that speak the sync protocol (learnt by identify); those not identified yet are tried too.
    private List<PeerId> SyncPeers() =>
        [.. _network.Host.Connections.Select(c => c.RemotePeer).Distinct()
            .Where(peer => _network.Host.PeerStore.Get(peer) is not { Protocols.Count: > 0 } info || info.Protocols.Contains(SyncProtocolHandler.ProtocolId))];

    private ValueTask<ValidationResult> ValidateTransactionAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        // Our own transactions are already in the mempool.
        if (message.ReceivedFrom == _pubSub.Router.LocalPeer) return ValueTask.FromResult(ValidationResult.Accept);
        if (!TransactionGossipCodec.TryDecode(message.Data, _transactionGossipOptions.MaxTransactionsReceived, out var transactions, out var malformed))
        {
            _logger.LogDebug("Rejected a transactions message from {Peer}: {Reason}", message.ReceivedFrom, malformed);
            return ValueTask.FromResult(ValidationResult.Reject);
        }
        var submissions = Chain.SubmitTransactions(transactions);
        var verdict = TransactionGossipVerdict.For(submissions);
        if (verdict != ValidationResult.Accept && _logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("{Verdict} a message of {Count} transaction(s) from {Peer}: {Reason}", verdict, submissions.Count, message.ReceivedFrom,
                submissions.FirstOrDefault(s => !s.Accepted)?.Error);
        return ValueTask.FromResult(verdict);
    }

    private ValueTask<ValidationResult> ValidateBlockAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        if (message.ReceivedFrom == _pubSub.Router.LocalPeer) return ValueTask.FromResult(ValidationResult.Accept);
        return ValueTask.FromResult(ApplyGossipedBlock(message.Data.Span, message.ReceivedFrom));
    }

    private ValidationResult ApplyGossipedBlock(ReadOnlySpan<byte> data, PeerId from)
    {
        CommittedBlock committed;
        Block block;
        try
        {
            committed = CommittedBlock.Parser.ParseFrom(data);
            block = Block.Parser.ParseFrom(committed.Block);
        }
        catch (InvalidProtocolBufferException)
        {
            return ValidationResult.Reject;
        }
        if (block.Header is null || block.Header.ChainId != Chain.ChainId) return ValidationResult.Reject;
        var height = block.Header.Height;
        var head = Chain.Status.Height;
        if (height <= head) return ValidationResult.Ignore;
        if (height > head + 1)
        {
            // Cannot be checked without the blocks in between: fetch them.
            NoteRemoteHeight(height);
            return ValidationResult.Ignore;
        }
        var error = Chain.Commit(committed.Block.ToByteArray(), committed.Commit.ToByteArray());
        if (error is null)
        {
            NoteRemoteHeight(height);
            return ValidationResult.Accept;
        }
        if (error.Code == ChainErrorCode.WrongHeight) return ValidationResult.Ignore; // applied meanwhile by consensus or sync
        _logger.LogDebug("Refused block {Height} from {Peer}: {Reason}", height, from, error);
        // A bad commit is the sender's fault; a block whose commit verifies but does not apply here is a problem of this view.
        return error.Code is ChainErrorCode.MalformedBlock or ChainErrorCode.BadCommit ? ValidationResult.Reject : ValidationResult.Ignore;
    }

    private ValueTask<ValidationResult> ValidateConsensusAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var validator = ConsensusValidator;
        var screen = _consensusScreen!.Check(message.Data.Span, verifySignature: validator is null, out var decidedHeight);
        if (screen != ValidationResult.Accept) return ValueTask.FromResult(screen);
        if (decidedHeight > 0) NoteRemoteHeight((ulong)decidedHeight);
        return ValueTask.FromResult(validator is null ? ValidationResult.Accept : validator(message.Data));
    }
}
