using System.Diagnostics;
using System.Threading.Channels;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// The I/O edge of consensus: owns a <see cref="ConsensusStateMachine"/>, feeds it start, received messages and fired
/// timers through one loop (a channel, so the machine stays single-threaded) with the time of each from its
/// <see cref="TimeProvider"/> (a message's time is when it arrived: its receive time under PBTS), runs its timers on
/// that provider, sends its messages through an <see cref="IConsensusTransport"/>, and hands decisions to
/// <see cref="IConsensusApplication.OnDecided"/>. Host-agnostic; its loops are owned and stop on dispose.
/// </summary>
public sealed class ConsensusDriver : IAsyncDisposable
{
    /// <summary>Received messages waiting for the loop beyond this many are dropped (the loop is falling behind).</summary>
    public const int MaxQueuedMessages = 10_000;

    private readonly ConsensusStateMachine _machine;
    private readonly ConsensusOptions _options;
    private readonly IConsensusApplication _app;
    private readonly IConsensusTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<TimerEntry> _timers = [];
    private readonly ConsensusMessageFilter _filter;
    private long _height;
    private long _decidedHeight;
    private int _round;
    private int _queuedMessages;
    private long _queuedBytes;
    private int _started;
    private Activity? _roundSpan; // the open consensus.round span (loop thread only), null when tracing is off
    private (long Height, int Round) _roundOf;

    /// <param name="messages">
    /// The check of received messages this driver keeps informed of its height and validators, shared with the network
    /// edge (which checks messages before they reach any driver); null makes one of the driver's own.
    /// </param>
    public ConsensusDriver(ConsensusOptions options, string chainId, PrivateKey? privateKey, IConsensusApplication application,
        IConsensusTransport transport, TimeProvider timeProvider, ILogger logger, ConsensusMessageFilter? messages = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _machine = new ConsensusStateMachine(options, chainId, privateKey, application);
        _options = options;
        _app = application;
        _transport = transport;
        _time = timeProvider;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        _filter = messages ?? new ConsensusMessageFilter(chainId, options);
    }

    /// <summary>The height being decided (0 before start); readable from any thread.</summary>
    public long Height => Volatile.Read(ref _height);

    /// <summary>
    /// The round being played at <see cref="Height"/>, for status pages: read from another thread without the loop's
    /// ordering, so it may lag the machine by a step.
    /// </summary>
    public int Round => _machine.Round;

    /// <summary>The last height this driver decided (0 before its first decision).</summary>
    public long DecidedHeight => Volatile.Read(ref _decidedHeight);

    /// <summary>Equivocation evidence gathered so far, for Slash transactions.</summary>
    public EvidencePool Evidence => _machine.Evidence;

    /// <summary>Starts the loops and consensus at <paramref name="height"/> (the chain's last height + 1) with its validators.</summary>
    public void Start(long height, ValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("the consensus driver is already started");
        _inputs.Writer.TryWrite(new StartInput(height, validators));
        _tasks.Run("consensus loop", RunLoopAsync);
        _tasks.Run("consensus receive", ReceiveLoopAsync);
    }

    /// <summary>
    /// Hands the driver a decision the host learned elsewhere (e.g. a block and its verified commit that reached the
    /// chain through the blocks topic or sync before this driver saw enough precommits). The machine checks it like a
    /// peer's decision, so a driver still at that height decides it and moves on at its usual pace; otherwise it is a
    /// duplicate or stale and ignored.
    /// </summary>
    public void OfferDecision(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Interlocked.Increment(ref _queuedMessages);
        Interlocked.Add(ref _queuedBytes, decision.Size);
        if (!_inputs.Writer.TryWrite(new MessageInput(decision, null, _time.GetUtcNow())))
        {
            Interlocked.Decrement(ref _queuedMessages);
            Interlocked.Add(ref _queuedBytes, -decision.Size);
        }
    }

    /// <summary>
    /// The check of a received message before it is delivered or passed on (<see cref="ConsensusMessageFilter.Check(ReadOnlySpan{byte})"/>):
    /// Invalid when malformed, signed badly, or (at the height being decided) signed by a non-validator; Irrelevant
    /// when stale or far ahead. Thread-safe; it never changes consensus state.
    /// </summary>
    public MessageVerdict ValidateMessage(ReadOnlySpan<byte> data) => _filter.Check(data);

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunInputsAsync(cancellationToken);
        }
        finally
        {
            EndRound("stopped");
        }
    }

    private async Task RunInputsAsync(CancellationToken cancellationToken)
    {
        await foreach (var input in _inputs.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                var output = Apply(input);
                await ExecuteAsync(output.Actions, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(e, "consensus failed to process {Input} at height {Height}: {Reason}", input, _machine.Height, e.Message);
            }
            finally
            {
                if (_machine.Validators is not null && (Volatile.Read(ref _height) != _machine.Height || _round != _machine.Round))
                {
                    _filter.Follow(this, _machine.Height, _machine.Round, _machine.Validators, _app);
                    _round = _machine.Round;
                    Volatile.Write(ref _height, _machine.Height);
                }
                FollowRound();
            }
        }
    }

    /// <summary>Keeps one <see cref="ConsensusTracing.Round"/> span open per (height, round) the machine is in; a root, since no request causes a round.</summary>
    private void FollowRound()
    {
        if (_machine.Validators is null) return;
        // A decided round stays closed until the machine moves to the next height.
        if (_roundOf == (_machine.Height, _machine.Round))
            return;
        EndRound("next_round");
        _roundOf = (_machine.Height, _machine.Round);
        if (!ConsensusTracing.Source.HasListeners()) return;
        var previous = Activity.Current;
        Activity.Current = null;
        _roundSpan = ConsensusTracing.Source.StartActivity(ConsensusTracing.Round);
        _roundSpan?.SetTag(HeightTag, _machine.Height).SetTag(RoundTag, _machine.Round);
        Activity.Current = previous;
    }

    private void EndRound(string outcome)
    {
        if (_roundSpan is null) return;
        _roundSpan.SetTag(OutcomeTag, outcome);
        _roundSpan.Stop();
        _roundSpan = null;
    }

    private const string HeightTag = "cerebrum.height";
    private const string RoundTag = "cerebrum.round";
    private const string OutcomeTag = "cerebrum.outcome";

    private ConsensusOutput Apply(Input input)
    {
        switch (input)
        {
            case StartInput start:
                return _machine.StartHeight(start.Height, start.Validators, _time.GetUtcNow());
            case MessageInput message:
                Interlocked.Decrement(ref _queuedMessages);
                Interlocked.Add(ref _queuedBytes, -message.Message.Size);
                var output = _machine.Receive(message.Message, message.ReceivedAt);
                if (output.Verdict == InputVerdict.Rejected)
                    _logger.LogDebug("consensus rejected {Message}: {Reason}", message.Message, output.Reason);
                else if (output.Verdict == InputVerdict.Dropped && message.Data is { } data)
                    _transport.ReportUnused(data);
                return output;
            case TimeoutInput fired:
                if (fired.Entry is not null && _timers.Remove(fired.Entry)) fired.Entry.Timer?.Dispose();
                return _machine.OnTimeout(fired.Timeout, _time.GetUtcNow());
            default:
                throw new InvalidOperationException($"unknown input {input}");
        }
    }

    private async Task ExecuteAsync(IReadOnlyList<ConsensusAction> actions, CancellationToken cancellationToken)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case BroadcastMessage broadcast:
                    try
                    {
                        await _transport.BroadcastAsync(ConsensusMessageCodec.Encode(broadcast.Message), cancellationToken);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Best effort: the rebroadcast timer sends it again.
                        _logger.LogDebug(e, "consensus broadcast of {Message} failed: {Reason}", broadcast.Message, e.Message);
                    }
                    break;
                case ScheduleTimeout schedule:
                    Schedule(schedule);
                    break;
                case DecideValue decide:
                    _logger.LogDebug("consensus decided height {Height} in round {Round}", decide.Height, decide.Round);
                    Volatile.Write(ref _decidedHeight, decide.Height);
                    EndRound("decided");
                    _app.OnDecided(decide.Height, decide.Value, decide.Commit);
                    DisposeTimersBelow(decide.Height + 1);
                    break;
            }
        }
    }

    private void Schedule(ScheduleTimeout schedule)
    {
        if (schedule.Delay <= TimeSpan.Zero)
        {
            _inputs.Writer.TryWrite(new TimeoutInput(schedule.Timeout, null));
            return;
        }
        var entry = new TimerEntry(schedule.Timeout.Height);
        _timers.Add(entry);
        entry.Timer = _time.CreateTimer(static state =>
        {
            var (driver, entry, timeout) = ((ConsensusDriver, TimerEntry, ConsensusTimeout))state!;
            driver._inputs.Writer.TryWrite(new TimeoutInput(timeout, entry));
        }, (this, entry, schedule.Timeout), schedule.Delay, Timeout.InfiniteTimeSpan);
    }

    // Timers of a decided height can only be ignored by the machine; NewHeight and Rebroadcast of the next height remain.
    private void DisposeTimersBelow(long height)
    {
        foreach (var entry in _timers.Where(e => e.Height < height && e.Height < _machine.Height).ToList())
        {
            _timers.Remove(entry);
            entry.Timer?.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var data in _transport.ReceiveAsync(cancellationToken))
        {
            if (!ConsensusMessageCodec.TryDecode(data.Span, _options.MaxMessageBytes, out var message, out var error))
            {
                _logger.LogDebug("consensus dropped a malformed message: {Reason}", error);
                continue;
            }
            var receivedAt = _time.GetUtcNow();
            var size = message!.Size;
            var queued = Interlocked.Increment(ref _queuedMessages);
            var queuedBytes = Interlocked.Add(ref _queuedBytes, size);
            if (queued > MaxQueuedMessages || queuedBytes > _options.MaxQueuedBytes)
            {
                Interlocked.Decrement(ref _queuedMessages);
                Interlocked.Add(ref _queuedBytes, -size);
                _logger.LogDebug("consensus dropped {Message}: the input queue is full", message);
                _transport.ReportUnused(data);
                continue;
            }
            if (!_inputs.Writer.TryWrite(new MessageInput(message, data, receivedAt)))
            {
                Interlocked.Decrement(ref _queuedMessages);
                Interlocked.Add(ref _queuedBytes, -size);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _inputs.Writer.TryComplete();
        await _tasks.DisposeAsync();
        _filter.Forget(this);
        // What this driver held for later was never used: a newer driver must be able to receive it again.
        while (_inputs.Reader.TryRead(out var input))
            if (input is MessageInput { Data: { } data })
                _transport.ReportUnused(data);
        foreach (var buffered in _machine.Buffered)
            _transport.ReportUnused(ConsensusMessageCodec.Encode(buffered));
        foreach (var entry in _timers) entry.Timer?.Dispose();
        _timers.Clear();
    }

    private abstract record Input;

    private sealed record StartInput(long Height, ValidatorSet Validators) : Input;

    /// <param name="Data">The message as the transport delivered it; null when the host offered it.</param>
    private sealed record MessageInput(ConsensusMessage Message, ReadOnlyMemory<byte>? Data, DateTimeOffset ReceivedAt) : Input;

    private sealed record TimeoutInput(ConsensusTimeout Timeout, TimerEntry? Entry) : Input;

    private sealed class TimerEntry(long height)
    {
        public long Height { get; } = height;

        public ITimer? Timer { get; set; }
    }
}
