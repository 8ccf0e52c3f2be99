using System.Threading.Channels;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Consensus;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Validator;

/// <summary>
/// Validator mode: runs a <see cref="ConsensusDriver"/> over <c>cerebrum/1/consensus</c> with a
/// <see cref="ChainConsensusApplication"/>, publishes every block it decides on <c>cerebrum/1/blocks</c>, and keeps
/// the driver at the chain's next height: when the chain moves past the driver (sync or the blocks topic), a new
/// driver starts at the new height. Its own votes and proposals pass a <see cref="LastSignedGuard"/>
/// (<c>DIR/consensus-last-signed.json</c>) so a restart never signs a step twice. A daemon whose key is not in the
/// validator set follows the chain and says so. Registered after <see cref="PubSubService"/>.
/// </summary>
public sealed class ValidatorService : IHostedService, IAsyncDisposable
{
    public const string LastSignedFileName = "consensus-last-signed.json";

    private readonly ChainService _chainService;
    private readonly PubSubService _pubSub;
    private readonly PrivateKey _identity;
    private readonly ConsensusOptions _consensusOptions;
    private readonly DataDirectory _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger<ValidatorService> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly BackgroundTasks _tasks;
    private readonly Channel<FinalizedBlock> _decided = Channel.CreateUnbounded<FinalizedBlock>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private ChainConsensusApplication? _application;
    private GuardedConsensusTransport? _transport;
    private Subscription? _subscription;
    private ConsensusDriver? _driver;
    private long _driverStartHeight;
    private bool? _participating;
    private int _disposed;

    public ValidatorService(ChainService chainService, PubSubService pubSub, PrivateKey identity, DaemonOptions options, DataDirectory dataDirectory,
        TimeProvider time, ILoggerFactory loggerFactory)
    {
        _chainService = chainService;
        _pubSub = pubSub;
        _identity = identity;
        _consensusOptions = options.Chain.Consensus;
        _dataDirectory = dataDirectory;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ValidatorService>();
        _tasks = new BackgroundTasks(_logger);
    }

    /// <summary>Whether this daemon's key is in the validator set of the chain's next height.</summary>
    public bool IsValidator => _chainService.Chain.GetValidatorSet(_chainService.Chain.Status.Height + 1)?.Find(_identity.PeerId) is not null;

    /// <summary>The height the running consensus driver decides (0 when none runs).</summary>
    public long ConsensusHeight => Volatile.Read(ref _driver)?.Height ?? 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var chain = _chainService.Chain;
        LastSignedGuard guard;
        try
        {
            guard = LastSignedGuard.Open(Path.Combine(_dataDirectory.Root, LastSignedFileName), _identity.PeerId);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        _application = new ChainConsensusApplication(chain, _identity.PeerId, _time);
        _application.BlockDecided += OnBlockDecided;
        _subscription = await _pubSub.Router.SubscribeAsync(ConsensusDriver.Topic);
        _transport = new GuardedConsensusTransport(new GossipConsensusTransport(_pubSub.Router, _subscription), guard, _consensusOptions.MaxMessageBytes);
        _chainService.ConsensusValidator = data => Volatile.Read(ref _driver)?.ValidateMessage(data.Span) ?? ValidationResult.Accept;
        chain.BlockCommitted += OnBlockCommitted;
        _tasks.Run("consensus supervisor", SuperviseAsync);
        _tasks.Run("block publisher", PublishDecidedAsync);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _chainService.ConsensusValidator = null;
        if (_application is not null)
        {
            _application.BlockDecided -= OnBlockDecided;
            _chainService.Chain.BlockCommitted -= OnBlockCommitted;
        }
        _decided.Writer.TryComplete();
        await _tasks.DisposeAsync();
        if (_driver is { } driver) await driver.DisposeAsync();
        _subscription?.Dispose();
    }

    private void OnBlockDecided(object? sender, FinalizedBlock block) => _decided.Writer.TryWrite(block);

    private void OnBlockCommitted(object? sender, BlockCommittedEventArgs e) => _wake.Writer.TryWrite(true);

    private async Task PublishDecidedAsync(CancellationToken cancellationToken)
    {
        await foreach (var block in _decided.Reader.ReadAllAsync(cancellationToken))
            await _chainService.PublishBlockAsync(block, cancellationToken);
    }

    /// <summary>
    /// Keeps one driver at the chain's next height. A driver that decides a height moves on by itself within moments;
    /// one still at or below the committed height after a grace period was overtaken by sync and is replaced.
    /// </summary>
    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        var lag = new DriverLagTracker(_consensusOptions.CommitDelay + _consensusOptions.ProposeTimeout + TimeSpan.FromSeconds(1));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        while (true)
        {
            var next = (long)_chainService.Chain.Status.Height + 1;
            var driver = _driver;
            if (driver is null)
            {
                await TryStartDriverAsync(next);
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
                        await TryStartDriverAsync(next);
                        break;
                }
            }
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
        if (height < 1 || driver.DecidedHeight >= height || _chainService.Chain.GetBlock((ulong)height) is not { } block) return;
        if (!Commit.TryFromBytes(block.Commit, out var commit, out var error))
        {
            _logger.LogWarning("The stored commit of height {Height} does not decode: {Reason}", height, error);
            return;
        }
        driver.OfferDecision(new Decision(block.BlockBytes, commit!));
    }

    private Task TryStartDriverAsync(long height)
    {
        var chain = _chainService.Chain;
        var inSet = chain.GetValidatorSet((ulong)height)?.Find(_identity.PeerId) is not null;
        if (inSet != _participating)
        {
            _participating = inSet;
            if (inSet)
                _logger.LogInformation("Validating as {Peer}: in the validator set of height {Height}", _identity.PeerId, height);
            else
                _logger.LogWarning("Running as a follower: this daemon's key {Peer} is not in the validator set of height {Height}", _identity.PeerId, height);
        }
        if (!inSet) return Task.CompletedTask;
        ValidatorSet validators;
        try
        {
            validators = _application!.GetValidators(height);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _logger.LogWarning("Cannot start consensus at height {Height}: {Reason}", height, e.Message);
            return Task.CompletedTask;
        }
        var driver = new ConsensusDriver(_consensusOptions, chain.ChainId, _identity, _application!, _transport!, _time,
            _loggerFactory.CreateLogger<ConsensusDriver>());
        _driverStartHeight = height;
        driver.Start(height, validators);
        Volatile.Write(ref _driver, driver);
        _logger.LogDebug("Consensus started at height {Height}", height);
        return Task.CompletedTask;
    }
}
