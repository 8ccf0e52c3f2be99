using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// Tendermint consensus (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus", 2018, Algorithm 1) as a pure,
/// single-threaded state machine: it is fed messages, fired timeouts and the time of each input, and returns actions
/// (broadcast, schedule a timeout, decide). No I/O, clock or threads; <see cref="ConsensusDriver"/> is its host and
/// reads the clock. Comments "line N" refer to the paper's Algorithm 1. The paper's "upon" rules are applied to a
/// fixed point after every input, each guarded as in the paper, so any order of enabled rules is one of the
/// algorithm's executions. Block times are proposer-based (PBTS, <see cref="SynchronyParams"/>): line 22 prevotes for
/// a new value only when its time is timely at the moment its proposal was received.
/// </summary>
/// <remarks>
/// Inputs are checked before any state changes: the sender must be a validator of the height (the round's proposer
/// for a proposal), the signature must verify, and a proposal's value id must be the application's id of its value.
/// Only the first vote of a validator per (round, type) counts; a second, different one becomes evidence.
/// </remarks>
public sealed class ConsensusStateMachine
{
    private readonly ConsensusOptions _options;
    private readonly string _chainId;
    private readonly PrivateKey? _key;
    private readonly IConsensusApplication _app;
    private readonly CommitVerifier _commitVerifier;
    private readonly List<ConsensusMessage> _future = [];
    private readonly Dictionary<PeerId, (int Count, long Bytes)> _futureBySigner = [];
    private long _futureBytes;
    private DateTimeOffset _now;
    private List<ConsensusAction> _actions = [];

    // State of the current height h_p.
    private ValidatorSet? _validators;
    private readonly Dictionary<int, SignedProposal> _proposals = [];
    private readonly Dictionary<(int Round, VoteType Type), VoteSet> _votes = [];
    private readonly Dictionary<int, RoundSenders> _senders = [];
    private readonly Dictionary<string, bool> _validity = [];
    private readonly List<SignedVote> _ownVotes = [];
    // PBTS: when each round of the height started and when its proposal was first received (local clock).
    private readonly Dictionary<int, DateTimeOffset> _roundStarted = [];
    private readonly Dictionary<int, DateTimeOffset> _proposalReceived = [];
    private ProposedValue? _lockedValue;
    private ProposedValue? _validValue;
    private Decision? _decision;

    // "For the first time" guards of lines 34, 36 and 47; they belong to round_p and reset in StartRound.
    private bool _prevoteTimeoutScheduled;
    private bool _polkaRuleApplied;
    private bool _precommitTimeoutScheduled;

    /// <summary>How many past heights' decisions are kept to help validators that fell behind (older ones need block sync).</summary>
    public const int RecentDecisions = 8;

    // The last decided heights, oldest first, to hand their decision to validators still working on them.
    private readonly List<RecentDecision> _recent = [];

    /// <param name="privateKey">This validator's key; null (or a key outside the set) runs an observer that never signs.</param>
    public ConsensusStateMachine(ConsensusOptions options, string chainId, PrivateKey? privateKey, IConsensusApplication application)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(chainId);
        ArgumentNullException.ThrowIfNull(application);
        _options = options.Validate();
        _chainId = chainId;
        _key = privateKey;
        _app = application;
        _commitVerifier = new CommitVerifier(chainId);
        Evidence = new EvidencePool(options.MaxEvidence);
    }

    /// <summary>h_p; 0 before the first <see cref="StartHeight"/>.</summary>
    public long Height { get; private set; }

    /// <summary>round_p.</summary>
    public int Round { get; private set; }

    /// <summary>step_p.</summary>
    public RoundStep Step { get; private set; }

    /// <summary>True once decision_p[h_p] is set; the next height starts on the <see cref="TimeoutKind.NewHeight"/> timeout.</summary>
    public bool HasDecided => _decision is not null;

    public ValidatorSet? Validators => _validators;

    public int LockedRound { get; private set; } = -1;

    public ReadOnlyMemory<byte> LockedValueId => _lockedValue?.Id ?? ReadOnlyMemory<byte>.Empty;

    public int ValidRound { get; private set; } = -1;

    public ReadOnlyMemory<byte> ValidValueId => _validValue?.Id ?? ReadOnlyMemory<byte>.Empty;

    public EvidencePool Evidence { get; }

    public string ChainId => _chainId;

    /// <summary>Number of future-height messages held until their height starts.</summary>
    public int BufferedMessages => _future.Count;

    /// <summary>Bytes of the future-height messages held (bounded by <see cref="ConsensusOptions.MaxBufferedBytes"/>).</summary>
    public long BufferedBytes => _futureBytes;

    /// <summary>The future-height messages held (e.g. to tell the transport they were never used when the machine is dropped).</summary>
    public IReadOnlyList<ConsensusMessage> Buffered => _future;

    /// <summary>The time of the last input (the host's clock reading fed with it).</summary>
    public DateTimeOffset Now => _now;

    /// <summary>Starts height <paramref name="height"/> (line 10: StartRound(0)) and replays messages buffered for it.</summary>
    /// <param name="now">The host's clock when it starts the height.</param>
    /// <exception cref="ArgumentException">The height is not above the current one.</exception>
    public ConsensusOutput StartHeight(long height, ValidatorSet validators, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(validators);
        if (height < 1 || height <= Height)
            throw new ArgumentOutOfRangeException(nameof(height), height, $"the next height must be above {Height}");
        _actions = [];
        Advance(now);
        StartHeightCore(height, validators);
        return Output(InputVerdict.Accepted, null);
    }

    /// <summary>Feeds a message received from the network (or from the host itself).</summary>
    /// <param name="now">The host's clock when the message arrived (a proposal's receive time under PBTS).</param>
    public ConsensusOutput Receive(ConsensusMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        _actions = [];
        Advance(now);
        var (verdict, reason) = ReceiveCore(message);
        if (verdict == InputVerdict.Accepted) Progress();
        return Output(verdict, reason);
    }

    /// <summary>Feeds a timer that fired (one that an earlier <see cref="ScheduleTimeout"/> asked for).</summary>
    /// <param name="now">The host's clock when it fired.</param>
    public ConsensusOutput OnTimeout(ConsensusTimeout timeout, DateTimeOffset now)
    {
        _actions = [];
        Advance(now);
        if (timeout.Height != Height || _validators is null)
            return Output(InputVerdict.Ignored, "timeout of another height");
        switch (timeout.Kind)
        {
            case TimeoutKind.Propose:
                // line 57: upon OnTimeoutPropose(h_p, round_p) while step_p = propose
                if (_decision is null && timeout.Round == Round && Step == RoundStep.Propose)
                {
                    CastVote(VoteType.Prevote, ReadOnlySpan<byte>.Empty); // line 59
                    Step = RoundStep.Prevote; // line 60
                }
                break;
            case TimeoutKind.Prevote:
                // line 61: upon OnTimeoutPrevote(h_p, round_p) while step_p = prevote
                if (_decision is null && timeout.Round == Round && Step == RoundStep.Prevote)
                {
                    CastVote(VoteType.Precommit, ReadOnlySpan<byte>.Empty); // line 63
                    Step = RoundStep.Precommit; // line 64
                }
                break;
            case TimeoutKind.Precommit:
                // line 65: upon OnTimeoutPrecommit(h_p, round_p)
                if (_decision is null && timeout.Round == Round)
                    StartRound(Round + 1); // line 67
                break;
            case TimeoutKind.NewHeight:
                if (_decision is not null)
                    StartHeightCore(Height + 1, _app.GetValidators(Height + 1)); // line 54: reset, StartRound(0)
                return Output(InputVerdict.Accepted, null);
            case TimeoutKind.Rebroadcast:
                Rebroadcast();
                break;
            default:
                return Output(InputVerdict.Ignored, $"unknown timeout kind {timeout.Kind}");
        }
        Progress();
        return Output(InputVerdict.Accepted, null);
    }

    private void StartHeightCore(long height, ValidatorSet validators)
    {
        if (_decision is not null && _validators is not null)
            _recent.Add(new RecentDecision(_decision, _validators));
        _recent.RemoveAll(r => r.Decision.Height < height - RecentDecisions);
        foreach (var r in _recent) r.Sent = false;
        Height = height;
        _validators = validators;
        _proposals.Clear();
        _votes.Clear();
        _senders.Clear();
        _validity.Clear();
        _ownVotes.Clear();
        _roundStarted.Clear();
        _proposalReceived.Clear();
        // lines 2-8 (per height): lockedValue, lockedRound, validValue, validRound reset
        _lockedValue = null;
        LockedRound = -1;
        _validValue = null;
        ValidRound = -1;
        _decision = null;
        _actions.Add(new ScheduleTimeout(new ConsensusTimeout(Height, 0, TimeoutKind.Rebroadcast), _options.RebroadcastInterval));
        StartRound(0); // line 10
        var replay = _future.Where(m => m.Height == height).ToList();
        foreach (var message in _future.Where(m => m.Height <= height))
            Unbuffer(message);
        _future.RemoveAll(m => m.Height <= height);
        foreach (var message in replay)
            ReceiveCore(message);
        Progress();
    }

    // The host's clock never runs backwards for the machine: a late or reordered reading keeps the last one.
    private void Advance(DateTimeOffset now)
    {
        if (now > _now) _now = now;
    }

    // lines 11-21
    private void StartRound(int round)
    {
        Round = round; // line 12
        Step = RoundStep.Propose; // line 13
        _roundStarted[round] = _now;
        _prevoteTimeoutScheduled = false;
        _polkaRuleApplied = false;
        _precommitTimeoutScheduled = false;
        var proposer = _validators!.GetProposer(round);
        if (_key is not null && proposer.PeerId == _key.PeerId) // line 14
        {
            var value = _validValue ?? NewValue(); // lines 15-18
            if (value is not null)
            {
                var proposal = SignedProposal.Sign(_key, _chainId, Height, round, ValidRound, value.Value, value.Id); // line 19
                _proposals.TryAdd(round, proposal);
                _proposalReceived.TryAdd(round, _now);
                AddSender(round, proposer.PeerId);
                _actions.Add(new BroadcastMessage(proposal));
                BroadcastPolka(); // the prevotes that justify validRound, so that peers can apply line 28
                return;
            }
        }
        // line 21: schedule OnTimeoutPropose(h_p, round_p) to be executed after timeoutPropose(round_p)
        _actions.Add(new ScheduleTimeout(new ConsensusTimeout(Height, round, TimeoutKind.Propose), _options.ProposeTimeoutFor(round)));
    }

    private ProposedValue? NewValue()
    {
        try
        {
            // PBTS: the new value's time is the proposer's clock now (the application raises it above the last decided value's).
            var value = _app.ProposeValue(Height, Round, _now); // line 18: getValue()
            var id = _app.ComputeValueId(value);
            return id.Length == ConsensusLimits.ValueIdLength ? new ProposedValue(value, id) : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The application could not build a value: behave as a silent proposer, the round times out.
            return null;
        }
    }

    private void Progress()
    {
        while (_decision is null && ApplyOneRule())
        {
        }
    }

    private bool ApplyOneRule() =>
        TryDecide() || TrySkipRound() || TryPrevoteOnProposal() || TrySchedulePrevoteTimeout() || TryLockOnPolka()
        || TryPrecommitNil() || TrySchedulePrecommitTimeout();

    // line 49: upon ⟨PROPOSAL, h_p, r, v, ∗⟩ from proposer(h_p, r) AND 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩ while decision_p[h_p] = nil
    private bool TryDecide()
    {
        foreach (var (round, proposal) in _proposals)
        {
            if (!_votes.TryGetValue((round, VoteType.Precommit), out var precommits) || !precommits.HasQuorumFor(proposal.ValueId.Span))
                continue;
            if (!IsValid(proposal.Value, proposal.ValueId)) // line 50
                continue;
            var signatures = precommits.VotesFor(proposal.ValueId).Select(v => new CommitSignature(v.Validator, v.Signature)).ToList();
            Decide(new Decision(proposal.Value.Span, new Commit(Height, round, proposal.ValueId.Span, signatures)));
            return true;
        }
        return false;
    }

    // lines 51-54: decision_p[h_p] = v; h_p is advanced once the host has applied it (NewHeight timeout).
    private void Decide(Decision decision)
    {
        _decision = decision;
        _actions.Add(new DecideValue(Height, decision.Commit.Round, decision.Value, decision.Commit));
        _actions.Add(new ScheduleTimeout(new ConsensusTimeout(Height, decision.Commit.Round, TimeoutKind.NewHeight), _options.CommitDelay));
    }

    // line 55: upon f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p
    private bool TrySkipRound()
    {
        var target = -1;
        foreach (var (round, senders) in _senders)
            if (round > Round && round > target && _validators!.IsOneThird(senders.Power))
                target = round;
        if (target < 0) return false;
        StartRound(target); // line 56
        return true;
    }

    private bool TryPrevoteOnProposal()
    {
        if (Step != RoundStep.Propose || !_proposals.TryGetValue(Round, out var proposal))
            return false;
        var id = proposal.ValueId;
        if (proposal.ValidRound == -1)
        {
            // line 22: upon ⟨PROPOSAL, h_p, round_p, v, −1⟩ from proposer(h_p, round_p) while step_p = propose
            // PBTS: a value proposed for the first time must also be timely (its time close to when it arrived here).
            var vote = IsTimely(proposal) && IsValid(proposal.Value, id) && (LockedRound == -1 || IsLocked(id)); // line 23
            CastVote(VoteType.Prevote, vote ? id.Span : ReadOnlySpan<byte>.Empty); // lines 24, 26
        }
        else
        {
            // line 28: upon ⟨PROPOSAL, h_p, round_p, v, vr⟩ AND 2f+1 ⟨PREVOTE, h_p, vr, id(v)⟩ while step_p = propose ∧ (vr ≥ 0 ∧ vr < round_p)
            if (proposal.ValidRound >= Round || !Votes(proposal.ValidRound, VoteType.Prevote).HasQuorumFor(id.Span))
                return false;
            var vote = IsValid(proposal.Value, id) && (LockedRound <= proposal.ValidRound || IsLocked(id)); // line 29
            CastVote(VoteType.Prevote, vote ? id.Span : ReadOnlySpan<byte>.Empty); // lines 30, 32
        }
        Step = RoundStep.Prevote; // lines 27, 33
        return true;
    }

    // line 34: upon 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step_p = prevote for the first time
    private bool TrySchedulePrevoteTimeout()
    {
        if (Step != RoundStep.Prevote || _prevoteTimeoutScheduled || !Votes(Round, VoteType.Prevote).HasQuorumAny)
            return false;
        _prevoteTimeoutScheduled = true;
        _actions.Add(new ScheduleTimeout(new ConsensusTimeout(Height, Round, TimeoutKind.Prevote), _options.PrevoteTimeoutFor(Round))); // line 35
        return true;
    }

    // line 36: upon ⟨PROPOSAL, h_p, round_p, v, ∗⟩ from proposer(h_p, round_p) AND 2f+1 ⟨PREVOTE, h_p, round_p, id(v)⟩
    //          while valid(v) ∧ step_p ≥ prevote for the first time
    private bool TryLockOnPolka()
    {
        if (_polkaRuleApplied || Step < RoundStep.Prevote || !_proposals.TryGetValue(Round, out var proposal))
            return false;
        if (!Votes(Round, VoteType.Prevote).HasQuorumFor(proposal.ValueId.Span) || !IsValid(proposal.Value, proposal.ValueId))
            return false;
        _polkaRuleApplied = true;
        var value = new ProposedValue(proposal.Value.ToArray(), proposal.ValueId.ToArray());
        if (Step == RoundStep.Prevote) // line 37
        {
            _lockedValue = value; // line 38
            LockedRound = Round; // line 39
            CastVote(VoteType.Precommit, value.Id); // line 40
            Step = RoundStep.Precommit; // line 41
        }
        _validValue = value; // line 42
        ValidRound = Round; // line 43
        return true;
    }

    // line 44: upon 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step_p = prevote
    private bool TryPrecommitNil()
    {
        if (Step != RoundStep.Prevote || !Votes(Round, VoteType.Prevote).HasQuorumFor(ReadOnlySpan<byte>.Empty))
            return false;
        CastVote(VoteType.Precommit, ReadOnlySpan<byte>.Empty); // line 45
        Step = RoundStep.Precommit; // line 46
        return true;
    }

    // line 47: upon 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time
    private bool TrySchedulePrecommitTimeout()
    {
        if (_precommitTimeoutScheduled || !Votes(Round, VoteType.Precommit).HasQuorumAny)
            return false;
        _precommitTimeoutScheduled = true;
        _actions.Add(new ScheduleTimeout(new ConsensusTimeout(Height, Round, TimeoutKind.Precommit), _options.PrecommitTimeoutFor(Round))); // line 48
        return true;
    }

    private (InputVerdict, string?) ReceiveCore(ConsensusMessage message)
    {
        if (_validators is null)
            return (InputVerdict.Dropped, "consensus has not started a height yet");
        if (message.Height > Height)
            return Buffer(message);
        if (message.Height < Height)
        {
            NoteOldMessage(message);
            return (InputVerdict.Ignored, $"height {message.Height} is over (now {Height})");
        }
        return message switch
        {
            SignedProposal proposal => ReceiveProposal(proposal),
            SignedVote vote => ReceiveVote(vote),
            Decision decision => ReceiveDecision(decision),
            _ => (InputVerdict.Rejected, "unknown message"),
        };
    }

    private (InputVerdict, string?) ReceiveProposal(SignedProposal proposal)
    {
        var proposer = _validators!.GetProposer(proposal.Round > Round + _options.MaxRoundsAhead ? 0 : proposal.Round);
        if (_validators.Find(proposal.Proposer) is null)
            return (InputVerdict.Rejected, $"{proposal.Proposer} is not a validator at height {Height}");
        if (proposal.Round > Round + _options.MaxRoundsAhead)
            return (InputVerdict.Dropped, $"round {proposal.Round} is too far ahead of {Round}");
        if (proposal.Proposer != proposer.PeerId)
            return (InputVerdict.Rejected, $"{proposal.Proposer} is not the proposer of height {Height} round {proposal.Round}");
        if (_proposals.TryGetValue(proposal.Round, out var known) && known.ValueId.Span.SequenceEqual(proposal.ValueId.Span)
            && known.Signature.Span.SequenceEqual(proposal.Signature.Span))
            return (InputVerdict.Duplicate, null);
        if (!proposal.VerifySignature(_chainId, proposer.PublicKey))
            return (InputVerdict.Rejected, "bad proposal signature");
        if (known is not null)
            return known.ValueId.Span.SequenceEqual(proposal.ValueId.Span)
                ? (InputVerdict.Duplicate, null)
                : (InputVerdict.Ignored, "the proposer already proposed another value in this round");
        if (!SafeValueId(proposal.Value.Span).AsSpan().SequenceEqual(proposal.ValueId.Span))
            return (InputVerdict.Rejected, "the proposal's value id is not the id of its value");
        _proposals.Add(proposal.Round, proposal);
        _proposalReceived.TryAdd(proposal.Round, _now);
        AddSender(proposal.Round, proposal.Proposer);
        return (InputVerdict.Accepted, null);
    }

    private (InputVerdict, string?) ReceiveVote(SignedVote vote)
    {
        if (!_validators!.TryGetIndex(vote.Validator, out var index))
            return (InputVerdict.Rejected, $"{vote.Validator} is not a validator at height {Height}");
        if (vote.Round > Round + _options.MaxRoundsAhead)
            return (InputVerdict.Dropped, $"round {vote.Round} is too far ahead of {Round}");
        var votes = Votes(vote.Round, vote.Type);
        if (votes.Contains(index, vote.ValueId.Span))
            return (InputVerdict.Duplicate, null);
        if (!vote.VerifySignature(_chainId, _validators.Validators[index].PublicKey))
            return (InputVerdict.Rejected, "bad vote signature");
        switch (votes.Add(index, vote, vote.IsNil || IsProposed(vote.ValueId.Span), out var first))
        {
            case VoteSet.AddResult.Conflict:
                Evidence.Add(new DuplicateVoteEvidence(first!, vote));
                return (InputVerdict.Accepted, "conflicting vote: evidence recorded");
            case VoteSet.AddResult.ConflictDropped:
                Evidence.Add(new DuplicateVoteEvidence(first!, vote));
                return (InputVerdict.Ignored, "conflicting vote beyond the bound: evidence recorded, vote not counted");
            case VoteSet.AddResult.Duplicate:
                return (InputVerdict.Duplicate, null);
        }
        AddSender(vote.Round, vote.Validator);
        return (InputVerdict.Accepted, null);
    }

    // A decision from a peer is the paper's line 49 with the precommits delivered together.
    private (InputVerdict, string?) ReceiveDecision(Decision decision)
    {
        if (_decision is not null)
            return (InputVerdict.Duplicate, null);
        var id = SafeValueId(decision.Value.Span);
        var check = _commitVerifier.Verify(decision.Commit, Height, id, _validators!);
        if (!check.IsValid)
            return (InputVerdict.Rejected, $"decision commit: {check}");
        if (!IsValid(decision.Value, id))
            return (InputVerdict.Rejected, "the decided value is not valid here");
        Decide(decision);
        return (InputVerdict.Accepted, null);
    }

    // A validly signed message of a recently decided height shows a validator still working on it: send it that
    // decision (at most once per height until the next rebroadcast or height), so it can decide and catch up.
    private void NoteOldMessage(ConsensusMessage message)
    {
        var recent = _recent.Find(r => r.Decision.Height == message.Height);
        if (recent is null || recent.Sent)
            return;
        var signed = message switch
        {
            SignedVote v => recent.Validators.Find(v.Validator) is { } val && v.VerifySignature(_chainId, val.PublicKey),
            SignedProposal p => recent.Validators.Find(p.Proposer) is { } val && p.VerifySignature(_chainId, val.PublicKey),
            _ => false,
        };
        if (!signed) return;
        recent.Sent = true;
        _actions.Add(new BroadcastMessage(recent.Decision));
    }

    // Not in the paper, whose gossip is eventually reliable: re-send this validator's proposal of the current round and
    // its votes of this height, so that lost messages are eventually delivered. Validators left in an earlier round
    // need the earlier votes (e.g. the precommits that moved the others on) when fewer than f+1 have moved ahead.
    private void Rebroadcast()
    {
        foreach (var r in _recent) r.Sent = false;
        if (_decision is not null) return;
        _actions.Add(new ScheduleTimeout(new ConsensusTimeout(Height, Round, TimeoutKind.Rebroadcast), _options.RebroadcastInterval));
        if (_key is not null && _proposals.TryGetValue(Round, out var proposal) && proposal.Proposer == _key.PeerId)
            _actions.Add(new BroadcastMessage(proposal));
        foreach (var vote in _ownVotes)
            _actions.Add(new BroadcastMessage(vote));
        BroadcastPolka();
    }

    // Re-sends the 2f+1 prevotes of validRound for validValue. Validators that missed some of them (lost, or shown
    // another vote by an equivocator) could otherwise never accept a proposal of validValue (line 28), while the
    // validators locked on it prevote nothing else: a stall. CometBFT gossips the proposal's POL votes likewise.
    private void BroadcastPolka()
    {
        if (_validValue is null || !_votes.TryGetValue((ValidRound, VoteType.Prevote), out var prevotes)) return;
        foreach (var vote in prevotes.VotesFor(_validValue.Id))
            _actions.Add(new BroadcastMessage(vote));
    }

    private void CastVote(VoteType type, ReadOnlySpan<byte> valueId)
    {
        if (_key is null || !_validators!.TryGetIndex(_key.PeerId, out var index))
            return; // an observer follows the algorithm without voting
        var vote = SignedVote.Sign(_key, _chainId, type, Height, Round, valueId);
        if (Votes(Round, type).Add(index, vote, relevant: true, out _) == VoteSet.AddResult.Added)
            AddSender(Round, vote.Validator);
        _ownVotes.Add(vote);
        _actions.Add(new BroadcastMessage(vote));
    }

    private VoteSet Votes(int round, VoteType type)
    {
        if (!_votes.TryGetValue((round, type), out var set))
            _votes.Add((round, type), set = new VoteSet(_validators!));
        return set;
    }

    private void AddSender(int round, PeerId validator)
    {
        if (!_validators!.TryGetIndex(validator, out var index)) return;
        if (!_senders.TryGetValue(round, out var senders))
            _senders.Add(round, senders = new RoundSenders(_validators.Count));
        if (!senders.Seen[index])
        {
            senders.Seen[index] = true;
            senders.Power += _validators.Validators[index].Power;
        }
    }

    private bool IsProposed(ReadOnlySpan<byte> valueId)
    {
        foreach (var proposal in _proposals.Values)
            if (proposal.ValueId.Span.SequenceEqual(valueId))
                return true;
        return false;
    }

    /// <summary>
    /// A message for a later height: kept until that height starts when it comes from a validator of the current
    /// height (a validator's key is its identity, so its signature is checked now) and fits the bounds. Decisions of
    /// later heights cannot be verified (their validator sets are not known yet) and are not kept.
    /// </summary>
    private (InputVerdict, string?) Buffer(ConsensusMessage message)
    {
        if (message.Height > Height + _options.MaxHeightsAhead)
            return (InputVerdict.Dropped, $"height {message.Height} is too far ahead of {Height}");
        var (signer, signed) = message switch
        {
            SignedVote v => (v.Validator, (Func<PublicKey, bool>)(key => v.VerifySignature(_chainId, key))),
            SignedProposal p => (p.Proposer, key => p.VerifySignature(_chainId, key)),
            _ => (null, null),
        };
        if (signer is null || signed is null)
            return (InputVerdict.Dropped, $"a decision of height {message.Height} cannot be checked before that height");
        if (_validators!.Find(signer) is not { } validator)
            return (InputVerdict.Dropped, $"{signer} is not a known validator (height {Height}); its message for height {message.Height} is not kept");
        // Each validator gets an equal share of the buffer, so none can crowd out the others' messages.
        var share = Math.Max(1, _validators.Count);
        var (count, bytes) = _futureBySigner.GetValueOrDefault(signer);
        if (_future.Count >= _options.MaxBufferedMessages || count >= Math.Max(1, _options.MaxBufferedMessages / share)
            || _futureBytes + message.Size > _options.MaxBufferedBytes || bytes + message.Size > Math.Max(_options.MaxBufferedBytes / share, 1024))
            return (InputVerdict.Dropped, $"the future-height buffer has no room for {signer}'s message");
        if (!signed(validator.PublicKey))
            return (InputVerdict.Rejected, $"bad signature on a message of height {message.Height}");
        _future.Add(message);
        _futureBySigner[signer] = (count + 1, bytes + message.Size);
        _futureBytes += message.Size;
        return (InputVerdict.Buffered, null);
    }

    private void Unbuffer(ConsensusMessage message)
    {
        var signer = message switch
        {
            SignedVote v => v.Validator,
            SignedProposal p => p.Proposer,
            _ => null,
        };
        _futureBytes -= message.Size;
        if (signer is null || !_futureBySigner.TryGetValue(signer, out var held)) return;
        if (held.Count <= 1) _futureBySigner.Remove(signer);
        else _futureBySigner[signer] = (held.Count - 1, held.Bytes - message.Size);
    }

    // PBTS timely(v.time), evaluated for a value proposed in the current round for the first time (valid round −1): its
    // receive time is when its proposal arrived, or when this round started if it arrived earlier.
    private bool IsTimely(SignedProposal proposal)
    {
        DateTimeOffset? time;
        try
        {
            time = _app.GetValueTime(proposal.Value.Span);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false; // a value whose time cannot be read is not timely
        }
        if (time is null) return true;
        var received = _proposalReceived.GetValueOrDefault(proposal.Round, _now);
        if (_roundStarted.TryGetValue(proposal.Round, out var started) && started > received) received = started;
        try
        {
            return _app.GetSynchrony(Height).IsTimely(time.Value, received, proposal.Round);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private bool IsLocked(ReadOnlyMemory<byte> id) => _lockedValue is not null && _lockedValue.Id.AsSpan().SequenceEqual(id.Span);

    // valid(v), asked once per value per height.
    private bool IsValid(ReadOnlyMemory<byte> value, ReadOnlyMemory<byte> id)
    {
        var key = Convert.ToHexString(id.Span);
        if (_validity.TryGetValue(key, out var valid)) return valid;
        try
        {
            valid = _app.ValidateValue(Height, value.Span) == ValueVerdict.Valid;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            valid = false; // a value the application cannot judge is not valid
        }
        _validity[key] = valid;
        return valid;
    }

    private byte[] SafeValueId(ReadOnlySpan<byte> value)
    {
        try
        {
            return _app.ComputeValueId(value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [];
        }
    }

    private ConsensusOutput Output(InputVerdict verdict, string? reason)
    {
        var output = new ConsensusOutput(verdict, reason, _actions);
        _actions = [];
        return output;
    }

    private sealed record ProposedValue(byte[] Value, byte[] Id);

    private sealed class RecentDecision(Decision decision, ValidatorSet validators)
    {
        public Decision Decision { get; } = decision;

        public ValidatorSet Validators { get; } = validators;

        public bool Sent { get; set; }
    }

    private sealed class RoundSenders(int count)
    {
        public readonly bool[] Seen = new bool[count];
        public long Power;
    }
}
