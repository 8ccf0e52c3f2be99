using System.Threading.Channels;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Common;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Chain.Validating;

/// <summary>
/// What a validator runs on the chain (CometBFT keeps its consensus reactor in the library likewise): a
/// <see cref="ConsensusDriver"/> over <c>cerebrum/1/consensus</c> with a <see cref="ChainConsensusApplication"/>, its own
/// messages passing a <see cref="LastSignedGuard"/>, every block it decides published on <c>cerebrum/1/blocks</c>, and a
/// supervisor that keeps the driver at the chain's next height: when the chain finalizes the driver's height without it
/// (the blocks topic or sync was first), the driver is offered that decision; one left behind for a grace period
/// (<see cref="DriverLagTracker"/>) is replaced by a new driver at the new height. A key outside the validator set
/// follows the chain and says so.
/// </summary>
public sealed class ConsensusReactor : IAsyncDisposable
{
    private readonly ChainNode _chain;
    private readonly ChainGossip _gossip;
    private readonly PrivateKey _identity;
    private readonly ConsensusOptions _options;
    private readonly LastSignedGuard _guard;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly BackgroundTasks _tasks;
    private readonly ChainConsensusApplication _application;
    private readonly Channel<FinalizedBlock> _decided = Channel.CreateUnbounded<FinalizedBlock>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private GossipConsensusTransport? _gossipTransport;
    private GuardedConsensusTransport? _transport;
    private ConsensusDriver? _driver;
    private long _driverStartHeight;
    private bool? _participating;
    private int _started;
    private int _disposed;

    public ConsensusReactor(ChainNode chain, ChainGossip gossip, PrivateKey identity, ConsensusOptions options, LastSignedGuard guard,
        TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(gossip);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _chain = chain;
        _gossip = gossip;
        _identity = identity;
        _options = options;
        _guard = guard;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ConsensusReactor>();
        _tasks = new BackgroundTasks(_logger);
        _application = new ChainConsensusApplication(chain, identity.PeerId);
    }

    /// <summary>The height the running consensus driver decides (0 when none runs).</summary>
    public long ConsensusHeight => Volatile.Read(ref _driver)?.Height ?? 0;

    /// <summary>The round the running consensus driver plays at <see cref="ConsensusHeight"/> (0 when none runs).</summary>
    public int ConsensusRound => Volatile.Read(ref _driver)?.Round ?? 0;

    /// <summary>Joins <c>cerebrum/1/consensus</c> and starts the supervisor and the block publisher.</summary>
    public async Task StartAsync()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the consensus reactor is already started");
        _application.BlockDecided += OnBlockDecided;
        _gossipTransport = await _gossip.JoinConsensusAsync();
        _transport = new GuardedConsensusTransport(_gossipTransport, _guard, _options.MaxMessageBytes);
        _chain.BlockCommitted += OnBlockCommitted;
        _tasks.Run("consensus supervisor", SuperviseAsync);
        _tasks.Run("block publisher", PublishDecidedAsync);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _application.BlockDecided -= OnBlockDecided;
        _chain.BlockCommitted -= OnBlockCommitted;
        _decided.Writer.TryComplete();
        await _tasks.DisposeAsync();
        if (_driver is { } driver) await driver.DisposeAsync();
        _gossipTransport?.Dispose();
    }

    private void OnBlockDecided(object? sender, FinalizedBlock block) => _decided.Writer.TryWrite(block);

    private void OnBlockCommitted(object? sender, BlockCommittedEventArgs e) => _wake.Writer.TryWrite(true);

    private async Task PublishDecidedAsync(CancellationToken cancellationToken)
    {
        await foreach (var block in _decided.Reader.ReadAllAsync(cancellationToken))
            await _gossip.PublishBlockAsync(block, cancellationToken);
    }

    /// <summary>
    /// Keeps one driver at the chain's next height. A driver that decides a height moves on by itself within moments;
    /// one still at or below the committed height after a grace period was overtaken by sync and is replaced.
    /// </summary>
    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        var lag = new DriverLagTracker(_options.CommitDelay + _options.ProposeTimeout + TimeSpan.FromSeconds(1));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        while (true)
        {
            var next = (long)_chain.Status.Height + 1;
            var driver = _driver;
            if (driver is null)
            {
                TryStartDriver(next);
            }
            else
            {
                var driverHeight = Math.Max(driver.Height, _driverStartHeight);
                switch (lag.Observe(driverHeight, next, _time.GetUtcNow()))
                {
                    case DriverLagAction.OfferDecision:
                        OfferCommittedDecision(driver, driverHeight);
                        break;
                    case DriverLagAction.Restart:
                        _logger.LogInformation("The chain moved to height {Height} past consensus at {DriverHeight}; restarting consensus at {Next}", next - 1, driverHeight, next);
                        _driver = null;
                        await driver.DisposeAsync();
                        TryStartDriver(next);
                        break;
                }
            }
            if (_driver is { } running) await ForwardEvidenceAsync(running, cancellationToken);
            var wake = _wake.Reader.WaitToReadAsync(cancellationToken).AsTask();
            // A timer allows one pending wait: a new one only once the previous tick came.
            if (await Task.WhenAny(wake, tick) == tick)
            {
                if (!await tick) return;
                tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
            }
            cancellationToken.ThrowIfCancellationRequested();
            _wake.Reader.TryRead(out _);
        }
    }

    /// <summary>
    /// The chain finalized the driver's height without it (the block and its commit came on the blocks topic first, and
    /// the peers have moved on, so the precommits it missed will not come again): hand the driver that decision, so it
    /// decides and starts the next height after the usual commit delay, in step with the others, instead of sitting
    /// out until the supervisor's grace period replaces it.
    /// </summary>
    private void OfferCommittedDecision(ConsensusDriver driver, long height)
    {
        // A driver that decided the height itself is only in its commit delay: nothing to hand over (and a block read
        // and copied for nothing, every height).
        if (height < 1 || driver.DecidedHeight >= height || _chain.GetBlock((ulong)height) is not { } block) return;
        if (!Commit.TryFromBytes(block.Commit, out var commit, out var error))
        {
            _logger.LogWarning("The stored commit of height {Height} does not decode: {Reason}", height, error);
            return;
        }
        driver.OfferDecision(new Decision(block.BlockBytes, commit!));
    }

    /// <summary>
    /// Equivocation the driver's consensus caught goes to the chain (for this validator's proposals) and, when the
    /// chain takes it, to every peer on the evidence topic; either way it leaves the driver's pool.
    /// </summary>
    private async Task ForwardEvidenceAsync(ConsensusDriver driver, CancellationToken cancellationToken)
    {
        foreach (var evidence in driver.Evidence.GetPending())
        {
            var refused = await _gossip.SubmitEvidenceAsync(evidence.ToBytes(), cancellationToken);
            if (refused is null)
                _logger.LogWarning("Validator {Validator} signed two different {Type}s at height {Height} round {Round}: evidence submitted for slashing",
                    evidence.Validator, evidence.Type, evidence.Height, evidence.Round);
            else
                _logger.LogDebug("Evidence {Evidence} not submitted: {Reason}", evidence, refused);
            driver.Evidence.Remove(evidence);
        }
    }

    private void TryStartDriver(long height)
    {
        var inSet = _chain.GetValidatorSet((ulong)height)?.Find(_identity.PeerId) is not null;
        if (inSet != _participating)
        {
            _participating = inSet;
            if (inSet)
                _logger.LogInformation("Validating as {Peer}: in the validator set of height {Height}", _identity.PeerId, height);
            else
                _logger.LogWarning("Running as a follower: this daemon's key {Peer} is not in the validator set of height {Height}", _identity.PeerId, height);
        }
        if (!inSet) return;
        ValidatorSet validators;
        try
        {
            validators = _application.GetValidators(height);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _logger.LogWarning("Cannot start consensus at height {Height}: {Reason}", height, e.Message);
            return;
        }
        var driver = new ConsensusDriver(_options, _chain.ChainId, _identity, _application, _transport!, _time,
            _loggerFactory.CreateLogger<ConsensusDriver>(), _gossip.ConsensusMessages);
        _driverStartHeight = height;
        driver.Start(height, validators);
        Volatile.Write(ref _driver, driver);
        _logger.LogDebug("Consensus started at height {Height}", height);
    }
}
