using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// The one check of a consensus message received from the network, before it is delivered to a driver or passed on.
/// It verifies or ignores, and never passes on what it could not verify:
/// <list type="bullet">
/// <item>the payload must be the canonical encoding of one message (no re-wrapped copies);</item>
/// <item>a message of a height whose validator set is at hand (the height a driver decides, any decided height, the
/// host's next height) must be signed by a validator of that set (a proposal at a driver's height by the round's
/// proposer), and a decision's commit must verify for its value;</item>
/// <item>a proposal's or decision's value must have the id it claims (a signature moved onto other value bytes is
/// invalid);</item>
/// <item>a proposal or vote of a later height counts only when its signer is a validator of the latest known set
/// (signature checked with that key); anything else of a later height, and every decision of one, cannot be verified
/// and is irrelevant; so is everything more than <see cref="ConsensusStateMachine.RecentDecisions"/> heights behind,
/// more than <see cref="ConsensusOptions.MaxHeightsAhead"/> ahead, or more than
/// <see cref="ConsensusOptions.MaxRoundsAhead"/> rounds ahead of a driver's round.</item>
/// </list>
/// A driver built with this filter keeps it told of its height, round and validators; an <see cref="IConsensusHistory"/>
/// gives it the other heights (on a daemon that follows the chain without a driver too). Thread-safe; it never changes
/// consensus state.
/// </summary>
public sealed class ConsensusMessageFilter
{
    private readonly string _chainId;
    private readonly ConsensusOptions _options;
    private readonly IConsensusHistory? _history;
    private readonly CommitVerifier _commitVerifier;
    private HeightView? _view;

    /// <param name="history">The host's decided heights; null when only a driver's height can be checked (everything else is irrelevant).</param>
    public ConsensusMessageFilter(string chainId, ConsensusOptions options, IConsensusHistory? history = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(chainId);
        ArgumentNullException.ThrowIfNull(options);
        _chainId = chainId;
        _options = options;
        _history = history;
        _commitVerifier = new CommitVerifier(chainId);
    }

    public MessageVerdict Check(ReadOnlySpan<byte> data) => Check(data, out _);

    /// <param name="message">The decoded message, unless it is malformed.</param>
    public MessageVerdict Check(ReadOnlySpan<byte> data, out ConsensusMessage? message)
    {
        if (!ConsensusMessageCodec.TryDecode(data, _options.MaxMessageBytes, out message, out _))
            return MessageVerdict.Invalid;
        var view = Volatile.Read(ref _view);
        var current = view?.Height ?? _history?.NextHeight ?? 0;
        var height = message!.Height;
        if (current < 1 || height < current - ConsensusStateMachine.RecentDecisions || height > current + _options.MaxHeightsAhead)
            return MessageVerdict.Irrelevant;
        var atView = view is not null && height == view.Height;
        var validators = atView ? view!.Validators : _history?.GetValidators(height);
        return message switch
        {
            Decision d => validators is null ? MessageVerdict.Irrelevant : CheckDecision(d, validators, view),
            SignedVote v => CheckSigned(v.Validator, validators, view, key => v.VerifySignature(_chainId, key)),
            SignedProposal p => CheckProposal(p, atView ? view : null, validators, view),
            _ => MessageVerdict.Invalid,
        };
    }

    /// <summary>Called by <paramref name="driver"/> whenever it starts a height or a round.</summary>
    internal void Follow(ConsensusDriver driver, long height, int round, ValidatorSet validators, IConsensusApplication application) =>
        Volatile.Write(ref _view, new HeightView(driver, height, round, validators, application));

    /// <summary>Called by <paramref name="driver"/> when it stops: the filter no longer follows it (a newer driver may have taken over).</summary>
    internal void Forget(ConsensusDriver driver)
    {
        var view = Volatile.Read(ref _view);
        if (view is not null && view.Driver == driver)
            Interlocked.CompareExchange(ref _view, null, view);
    }

    private MessageVerdict CheckDecision(Decision decision, ValidatorSet validators, HeightView? view)
    {
        if (!HasId(decision.Value.Span, decision.Commit.ValueId.Span, view)) return MessageVerdict.Invalid;
        return _commitVerifier.Verify(decision.Commit, decision.Height, decision.Commit.ValueId.Span, validators).IsValid
            ? MessageVerdict.Valid
            : MessageVerdict.Invalid;
    }

    private MessageVerdict CheckProposal(SignedProposal proposal, HeightView? driverHeight, ValidatorSet? validators, HeightView? view)
    {
        if (driverHeight is not null)
        {
            // The round's proposer is known only where a driver keeps the priorities; far rounds are not computed.
            if (proposal.Round > driverHeight.Round + _options.MaxRoundsAhead) return MessageVerdict.Irrelevant;
            if (validators!.GetProposer(proposal.Round).PeerId != proposal.Proposer) return MessageVerdict.Invalid;
        }
        var signed = CheckSigned(proposal.Proposer, validators, view, key => proposal.VerifySignature(_chainId, key));
        if (signed != MessageVerdict.Valid) return signed;
        return HasId(proposal.Value.Span, proposal.ValueId.Span, view) ? MessageVerdict.Valid : MessageVerdict.Invalid;
    }

    private MessageVerdict CheckSigned(PeerId signer, ValidatorSet? validators, HeightView? view, Func<PublicKey, bool> verify)
    {
        if (validators is not null)
            return validators.Find(signer) is { } member ? Verified(member) : MessageVerdict.Invalid;
        // A later height: only a validator of the latest set known may be heard (validator keys are their identities).
        var known = view?.Validators ?? (_history is { } history ? history.GetValidators(history.NextHeight) : null);
        return known?.Find(signer) is { } validator ? Verified(validator) : MessageVerdict.Irrelevant;

        MessageVerdict Verified(Validator v) => verify(v.PublicKey) ? MessageVerdict.Valid : MessageVerdict.Invalid;
    }

    private bool HasId(ReadOnlySpan<byte> value, ReadOnlySpan<byte> claimed, HeightView? view)
    {
        byte[] id;
        try
        {
            id = _history is not null ? _history.ComputeValueId(value) : view is not null ? view.Application.ComputeValueId(value) : [];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
        return id.Length == ConsensusLimits.ValueIdLength && id.AsSpan().SequenceEqual(claimed);
    }

    private sealed record HeightView(ConsensusDriver Driver, long Height, int Round, ValidatorSet Validators, IConsensusApplication Application);
}
