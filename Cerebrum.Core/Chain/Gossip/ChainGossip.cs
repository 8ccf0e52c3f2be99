using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Sync;
using Cerebrum.Core.Chain.Validating;
using Cerebrum.Core.Common;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>
/// The chain on gossipsub, for every daemon that keeps a ledger: checks and applies what arrives on the
/// <see cref="ChainTopics"/> (transactions into the mempool, finalized blocks through <see cref="ChainNode.Commit"/>,
/// consensus messages through <see cref="ConsensusMessages"/>), tells the <see cref="ChainSyncLoop"/> about higher
/// heights it sees, publishes the transactions this daemon admits (batched) and the blocks its validator decides, and
/// opens the consensus transport. <see cref="Start"/> registers the topic validators: do it before the topics are
/// joined, so that nothing arrives unchecked.
/// </summary>
public sealed class ChainGossip : IAsyncDisposable
{
    private readonly GossipRouter _router;
    private readonly ChainNode _chain;
    private readonly ChainSyncLoop _sync;
    private readonly ILogger _logger;
    private readonly TransactionGossipOptions _transactionOptions;
    private readonly TransactionGossipBatcher _transactions;
    private readonly BackgroundTasks _tasks;
    private int _started;
    private int _disposed;

    public ChainGossip(GossipRouter router, ChainNode chain, ChainSyncLoop sync, ConsensusOptions consensus, TimeProvider time, ILogger logger,
        TransactionGossipOptions? transactions = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentNullException.ThrowIfNull(consensus);
        ArgumentNullException.ThrowIfNull(logger);
        _router = router;
        _chain = chain;
        _sync = sync;
        _logger = logger;
        _transactionOptions = (transactions ?? new TransactionGossipOptions()).Validate();
        _transactions = new TransactionGossipBatcher(_transactionOptions, time);
        _tasks = new BackgroundTasks(logger);
        ConsensusMessages = new ConsensusMessageFilter(chain.ChainId, consensus, new ChainConsensusHistory(chain));
    }

    /// <summary>The check of <c>cerebrum/1/consensus</c>; a validator's consensus drivers keep it informed of their height.</summary>
    public ConsensusMessageFilter ConsensusMessages { get; }

    /// <summary>Registers the validators of the chain's topics and starts publishing admitted transactions.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the chain's gossip is already started");
        _router.RegisterValidator(ChainTopics.Transactions, ValidateTransactionsAsync);
        _router.RegisterValidator(ChainTopics.Blocks, ValidateBlockAsync);
        _router.RegisterValidator(ChainTopics.Consensus, ValidateConsensusAsync);
        _router.RegisterValidator(ChainTopics.Evidence, ValidateEvidenceAsync);
        _tasks.Run("transaction gossip", stopping => _transactions.RunAsync(PublishTransactionsAsync, stopping));
    }

    /// <summary>Admits a SignedTransaction to the mempool and queues it for gossip (batched); the rejection when refused.</summary>
    public TransactionSubmission Submit(byte[] encoded)
    {
        var submission = _chain.SubmitTransaction(encoded);
        // In our mempool either way; peers receive a transaction with the next proposal if not by gossip.
        if (submission.Accepted && !_transactions.Enqueue(encoded))
            _logger.LogDebug("Gossip queue full: transaction {Hash} is not gossiped", Convert.ToHexStringLower(submission.Hash!));
        return submission;
    }

    /// <summary>Publishes a finalized block with its commit on <c>cerebrum/1/blocks</c> (best effort).</summary>
    public async Task PublishBlockAsync(FinalizedBlock block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        var payload = new CommittedBlock { Block = ByteString.CopyFrom(block.BlockBytes), Commit = ByteString.CopyFrom(block.Commit) }.ToByteArray();
        try
        {
            await _router.PublishAsync(ChainTopics.Blocks, payload, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _logger.LogDebug("Gossip of block {Height} failed: {Reason}", block.Height, e.Message);
        }
    }

    /// <summary>
    /// Hands double-signing evidence this daemon found (its consensus saw a validator sign twice) to the chain and, when
    /// the chain takes it, to its peers on <c>cerebrum/1/evidence</c>; the chain's refusal otherwise (already known,
    /// already punished, too old).
    /// </summary>
    public async Task<ChainError?> SubmitEvidenceAsync(byte[] evidence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        if (_chain.SubmitEvidence(evidence) is { } refused) return refused;
        try
        {
            await _router.PublishAsync(ChainTopics.Evidence, evidence, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Held for our own proposals all the same; peers find it in our blocks.
            _logger.LogDebug("Gossip of evidence failed: {Reason}", e.Message);
        }
        return null;
    }

    /// <summary>Subscribes to <c>cerebrum/1/consensus</c>: the transport a validator's consensus drivers talk through (disposing it unsubscribes).</summary>
    public async Task<GossipConsensusTransport> JoinConsensusAsync() =>
        new(_router, await _router.SubscribeAsync(ChainTopics.Consensus));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (Volatile.Read(ref _started) != 0)
        {
            _router.UnregisterValidator(ChainTopics.Transactions);
            _router.UnregisterValidator(ChainTopics.Blocks);
            _router.UnregisterValidator(ChainTopics.Consensus);
            _router.UnregisterValidator(ChainTopics.Evidence);
        }
        await _tasks.DisposeAsync();
    }

    private async Task PublishTransactionsAsync(byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            await _router.PublishAsync(ChainTopics.Transactions, payload, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // In our mempool already; peers receive the transactions with the next proposal if not by gossip.
            _logger.LogDebug("Gossip of {Bytes} bytes of transactions failed: {Reason}", payload.Length, e.Message);
        }
    }

    private ValueTask<ValidationResult> ValidateTransactionsAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        // Our own transactions are already in the mempool.
        if (message.ReceivedFrom == _router.LocalPeer) return ValueTask.FromResult(ValidationResult.Accept);
        if (!TransactionGossipCodec.TryDecode(message.Data, _transactionOptions.MaxTransactionsReceived, out var transactions, out var malformed))
        {
            _logger.LogDebug("Rejected a transactions message from {Peer}: {Reason}", message.ReceivedFrom, malformed);
            return ValueTask.FromResult(ValidationResult.Reject);
        }
        var submissions = _chain.SubmitTransactions(transactions);
        var verdict = TransactionGossipVerdict.For(submissions);
        if (verdict != ValidationResult.Accept && _logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("{Verdict} a message of {Count} transaction(s) from {Peer}: {Reason}", verdict, submissions.Count, message.ReceivedFrom,
                submissions.FirstOrDefault(s => !s.Accepted)?.Error);
        return ValueTask.FromResult(verdict);
    }

    private ValueTask<ValidationResult> ValidateBlockAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        if (message.ReceivedFrom == _router.LocalPeer) return ValueTask.FromResult(ValidationResult.Accept);
        return ValueTask.FromResult(ApplyBlock(message.Data.Span, message.ReceivedFrom));
    }

    private ValidationResult ApplyBlock(ReadOnlySpan<byte> data, PeerId from)
    {
        // One payload per block and commit: a re-wrapped copy (an unknown field appended) would be a new gossip message.
        if (!CanonicalProtobuf.TryParse(CommittedBlock.Parser, data, out var committed, out _)
            || !CanonicalProtobuf.TryParse(Block.Parser, committed!.Block.Span, out var block, out _))
            return ValidationResult.Reject;
        if (block!.Header is null || block.Header.ChainId != _chain.ChainId) return ValidationResult.Reject;
        var height = block.Header.Height;
        var head = _chain.Status.Height;
        if (height <= head) return ValidationResult.Ignore;
        if (height > head + 1)
        {
            // Cannot be checked without the blocks in between: fetch them.
            _sync.NoteRemoteHeight(height);
            return ValidationResult.Ignore;
        }
        var error = _chain.Commit(committed.Block.ToByteArray(), committed.Commit.ToByteArray());
        if (error is null)
        {
            _sync.NoteRemoteHeight(height);
            return ValidationResult.Accept;
        }
        if (error.Code == ChainErrorCode.WrongHeight) return ValidationResult.Ignore; // applied meanwhile by consensus or sync
        _logger.LogDebug("Refused block {Height} from {Peer}: {Reason}", height, from, error);
        // A bad commit is the sender's fault; a block whose commit verifies but does not apply here is a problem of this view.
        return error.Code is ChainErrorCode.MalformedBlock or ChainErrorCode.BadCommit ? ValidationResult.Reject : ValidationResult.Ignore;
    }

    private ValueTask<ValidationResult> ValidateEvidenceAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        if (message.ReceivedFrom == _router.LocalPeer) return ValueTask.FromResult(ValidationResult.Accept);
        var refused = _chain.SubmitEvidence(message.Data.ToArray());
        var verdict = EvidenceGossipVerdict.For(refused);
        if (verdict != ValidationResult.Accept)
            _logger.LogDebug("{Verdict} evidence from {Peer}: {Reason}", verdict, message.ReceivedFrom, refused);
        return ValueTask.FromResult(verdict);
    }

    private ValueTask<ValidationResult> ValidateConsensusAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var verdict = ConsensusMessages.Check(message.Data.Span, out var decoded);
        // Only what verified says anything about the chain's height: a decision proves its height decided, a validator's
        // vote or proposal for h that it committed h - 1 (only validators' messages verify). The rest never starts a sync.
        if (verdict == MessageVerdict.Valid && decoded is not null)
        {
            var decided = decoded is Decision ? decoded.Height : decoded.Height - 1;
            if (decided > 0) _sync.NoteRemoteHeight((ulong)decided);
        }
        return ValueTask.FromResult(ConsensusGossipVerdict.For(verdict));
    }
}
