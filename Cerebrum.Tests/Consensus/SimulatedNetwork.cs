using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Consensus;

/// <summary>The kind of faulty validator in a simulation (at most one: f = 1 of 4).</summary>
internal enum SimulatedFault
{
    None,

    /// <summary>One validator stops at a random time before the network stabilizes.</summary>
    Crash,

    /// <summary>One validator sends conflicting proposals and votes to different peers.</summary>
    Byzantine,

    /// <summary>One validator's clock runs <see cref="SimulatedNetwork.FarFutureSkew"/> ahead: it proposes far-future times.</summary>
    FarFutureClock,
}

/// <summary>
/// Validators running <see cref="ConsensusStateMachine"/>s over a simulated network, all in one thread on a simulated
/// clock with a seeded RNG. Until GST (global stabilization time) messages are delayed up to a second, lost, reordered
/// and cut by a partition; from GST on they arrive within a bounded delay. Receivers forward some of the messages they
/// accept, as gossip does, so equivocations reach validators that can see both sides.
/// </summary>
internal sealed class SimulatedNetwork
{
    private readonly Random _rng;
    private readonly PriorityQueue<SimulatedEvent, (long Time, long Sequence)> _events = new();
    private readonly SimulatedNode[] _nodes;
    private readonly HashSet<int> _partitionSide = [];
    private readonly long _partitionStart;
    private readonly long _partitionEnd;
    private long _sequence;

    /// <param name="nodes">Validators; f = (nodes − 1) / 3 of them are faulty unless the fault is None.</param>
    /// <param name="weighted">Random voting powers 1–4; the faulty ones are the lowest, so they hold less than 1/3.</param>
    /// <param name="keys">The validators' keys (fast test keys by default); their powers must match <paramref name="weighted"/>.</param>
    /// <param name="applications">Node index and key → its application (a <see cref="TestApplication"/> on one shared schedule by default).</param>
    /// <param name="chainId">The chain ID the validators sign for.</param>
    public SimulatedNetwork(int seed, SimulatedFault fault, int nodes = 4, bool weighted = false, long gstMs = 4_000,
        IReadOnlyList<PrivateKey>? keys = null, Func<int, PrivateKey, IConsensusApplication>? applications = null, string chainId = TestValidators.ChainId)
    {
        _rng = new Random(seed);
        GstMs = gstMs;
        Fault = fault;
        Nodes = nodes;
        ChainId = chainId;
        keys ??= TestValidators.FastKeys(Nodes, seed);
        long[] powers = [.. Enumerable.Range(0, Nodes).Select(_ => weighted ? _rng.Next(1, 5) : 1L)];
        var schedule = new ValidatorSchedule(TestValidators.SetOf(keys, powers));
        applications ??= (i, _) => new TestApplication($"node{i}", schedule);
        if (fault != SimulatedFault.None)
            Faulty = Enumerable.Range(0, Nodes).OrderBy(i => powers[i]).ThenBy(_ => _rng.Next()).Take((Nodes - 1) / 3).ToHashSet();
        _nodes = new SimulatedNode[Nodes];
        for (var i = 0; i < Nodes; i++)
        {
            var app = applications(i, keys[i]);
            _nodes[i] = new SimulatedNode(i, keys[i], new ConsensusStateMachine(TestValidators.FastOptions, chainId, keys[i], app), app);
        }
        if (fault == SimulatedFault.Crash)
            foreach (var i in Faulty)
                _nodes[i].CrashAtMs = _rng.NextInt64(0, gstMs);
        // A partition of a random side, for a random window before GST.
        for (var i = 0; i < Nodes; i++)
            if (_rng.Next(2) == 0) _partitionSide.Add(i);
        _partitionStart = _rng.NextInt64(0, gstMs);
        _partitionEnd = _rng.NextInt64(_partitionStart, gstMs + 1);
    }

    public long GstMs { get; }

    public SimulatedFault Fault { get; }

    public int Nodes { get; }

    /// <summary>The faulty validators (empty when the fault is None).</summary>
    public IReadOnlySet<int> Faulty { get; } = new HashSet<int>();

    public long NowMs { get; private set; }

    public string ChainId { get; }

    /// <summary>How far ahead a <see cref="SimulatedFault.FarFutureClock"/> validator's clock runs.</summary>
    public static readonly TimeSpan FarFutureSkew = TimeSpan.FromDays(10);

    /// <summary>Called after every input a node handled (e.g. to pass evidence between nodes); the simulation's one thread.</summary>
    public Action<SimulatedNode>? AfterInput { get; set; }

    /// <summary>The simulated clock as the machines are fed it (every validator's clock reads the same).</summary>
    public DateTimeOffset Clock => SimulationEpoch.AddMilliseconds(NowMs);

    public static readonly DateTimeOffset SimulationEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long DeliveredMessages { get; private set; }

    public IReadOnlyList<SimulatedNode> AllNodes => _nodes;

    public IEnumerable<SimulatedNode> HonestNodes => _nodes.Where(n => !Faulty.Contains(n.Index));

    /// <summary>Safety violations seen: a height at which two honest validators decided different values.</summary>
    public List<string> Violations { get; } = [];

    /// <summary>Starts every validator at height 1 and runs the simulation until <paramref name="untilMs"/>.</summary>
    public void Run(long untilMs)
    {
        if (NowMs == 0)
            foreach (var node in _nodes)
                Execute(node, node.Machine.StartHeight(1, node.App.GetValidators(1), ClockOf(node)));
        while (_events.TryPeek(out _, out var at) && at.Time <= untilMs)
        {
            var e = _events.Dequeue();
            NowMs = at.Time;
            var node = _nodes[e.Node];
            if (node.IsCrashed(NowMs)) continue;
            if (e.Message is not null)
                Deliver(node, e.Message);
            else
                Execute(node, node.Machine.OnTimeout(e.Timeout, ClockOf(node)));
            AfterInput?.Invoke(node);
        }
        NowMs = untilMs;
    }

    private void Deliver(SimulatedNode node, byte[] data)
    {
        DeliveredMessages++;
        if (!ConsensusMessageCodec.TryDecode(data, TestValidators.FastOptions.MaxMessageBytes, out var message, out var error))
            throw new InvalidOperationException($"the simulation sent an undecodable message: {error}");
        var output = node.Machine.Receive(message!, ClockOf(node));
        if (output.Verdict == InputVerdict.Rejected && !IsFromFaulty(message!))
            throw new InvalidOperationException($"node{node.Index} rejected an honest message {message}: {output.Reason}");
        // Gossip: a validator forwards some of what it newly accepts.
        if (output.Verdict == InputVerdict.Accepted && !Faulty.Contains(node.Index) && _rng.NextDouble() < 0.3)
            SendToOthers(node.Index, data);
        Execute(node, output);
    }

    private bool IsFromFaulty(ConsensusMessage message) => Faulty.Any(i => message switch
    {
        SignedVote v => v.Validator == _nodes[i].Key.PeerId,
        SignedProposal p => p.Proposer == _nodes[i].Key.PeerId,
        _ => false,
    });

    private void Execute(SimulatedNode node, ConsensusOutput output)
    {
        foreach (var action in output.Actions)
        {
            switch (action)
            {
                case BroadcastMessage broadcast when Fault == SimulatedFault.Byzantine && Faulty.Contains(node.Index):
                    Equivocate(node, broadcast.Message);
                    break;
                case BroadcastMessage broadcast:
                    SendToOthers(node.Index, ConsensusMessageCodec.Encode(broadcast.Message));
                    break;
                case ScheduleTimeout schedule:
                    Enqueue(NowMs + (long)schedule.Delay.TotalMilliseconds, new SimulatedEvent(node.Index, null, schedule.Timeout));
                    break;
                case DecideValue decide:
                    Record(node, decide);
                    node.App.OnDecided(decide.Height, decide.Value, decide.Commit);
                    break;
            }
        }
    }

    /// <summary>What <paramref name="node"/>'s clock reads now: the simulated clock, far ahead for a far-future-clock validator.</summary>
    public DateTimeOffset ClockOf(SimulatedNode node) =>
        Fault == SimulatedFault.FarFutureClock && Faulty.Contains(node.Index) ? Clock + FarFutureSkew : Clock;

    private void Record(SimulatedNode node, DecideValue decide)
    {
        var id = Convert.ToHexString(SHA256.HashData(decide.Value.Span));
        node.Decisions[decide.Height] = (id, NowMs);
        if (Faulty.Contains(node.Index)) return;
        foreach (var other in HonestNodes)
            if (other.Decisions.TryGetValue(decide.Height, out var theirs) && theirs.ValueId != id)
                Violations.Add($"height {decide.Height}: node{node.Index} decided {id[..8]}, node{other.Index} decided {theirs.ValueId[..8]}");
    }

    // The byzantine validator signs a second, conflicting version of each of its messages and sends each peer one of
    // the two versions (always at least one peer each), so that peers disagree about what it said.
    private void Equivocate(SimulatedNode node, ConsensusMessage message)
    {
        var real = ConsensusMessageCodec.Encode(message);
        var fake = message switch
        {
            SignedVote v => ConsensusMessageCodec.Encode(SignedVote.Sign(node.Key, ChainId, v.Type, v.Height, v.Round,
                v.IsNil || _rng.Next(2) == 0 ? RandomBytes(32) : [])),
            SignedProposal p => ConflictingProposal(node.Key, p),
            _ => real,
        };
        var peers = Enumerable.Range(0, Nodes).Where(i => i != node.Index).OrderBy(_ => _rng.Next()).ToArray();
        for (var k = 0; k < peers.Length; k++)
            Send(node.Index, peers[k], k == 0 ? real : k == 1 ? fake : _rng.Next(2) == 0 ? real : fake);
    }

    private byte[] ConflictingProposal(PrivateKey key, SignedProposal p)
    {
        var value = Encoding.UTF8.GetBytes($"h{p.Height} r{p.Round} byzantine alternative {_rng.Next()}");
        return ConsensusMessageCodec.Encode(SignedProposal.Sign(key, ChainId, p.Height, p.Round, p.ValidRound, value,
            SHA256.HashData(value)));
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _rng.NextBytes(bytes);
        return bytes;
    }

    private void SendToOthers(int from, byte[] data)
    {
        for (var to = 0; to < Nodes; to++)
            if (to != from) Send(from, to, data);
    }

    private void Send(int from, int to, byte[] data)
    {
        long delay;
        if (NowMs < GstMs)
        {
            if (_rng.NextDouble() < 0.25) return; // lost
            if (NowMs >= _partitionStart && NowMs < _partitionEnd && _partitionSide.Contains(from) != _partitionSide.Contains(to)) return;
            delay = _rng.NextInt64(0, 1_000); // long and varied delays reorder messages
        }
        else
        {
            delay = _rng.NextInt64(1, 50);
        }
        Enqueue(NowMs + delay, new SimulatedEvent(to, data, default));
    }

    private void Enqueue(long at, SimulatedEvent e) => _events.Enqueue(e, (at, _sequence++));

    private sealed record SimulatedEvent(int Node, byte[]? Message, ConsensusTimeout Timeout);
}

/// <summary>One validator of a <see cref="SimulatedNetwork"/>.</summary>
internal sealed class SimulatedNode(int index, PrivateKey key, ConsensusStateMachine machine, IConsensusApplication app)
{
    public int Index { get; } = index;

    public PrivateKey Key { get; } = key;

    public ConsensusStateMachine Machine { get; } = machine;

    public IConsensusApplication App { get; } = app;

    public long CrashAtMs { get; set; } = long.MaxValue;

    /// <summary>Height → (value id, simulated time of the decision).</summary>
    public Dictionary<long, (string ValueId, long AtMs)> Decisions { get; } = [];

    public bool IsCrashed(long nowMs) => nowMs >= CrashAtMs;

    public long DecidedHeight => Decisions.Count == 0 ? 0 : Decisions.Keys.Max();

    public long DecidedHeightAt(long atMs) => Decisions.Where(d => d.Value.AtMs <= atMs).Select(d => d.Key).DefaultIfEmpty(0).Max();
}
