using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// The one check of a consensus message received from the network, before it is delivered to a driver or passed on:
/// it decodes, its signer's signature verifies, and, for the height a running <see cref="ConsensusDriver"/> decides,
/// the signer is a validator of that height and a decision's commit verifies. A driver built with this filter tells
/// it its height and validators; with no driver running (a daemon that only follows the chain), signers are checked
/// by the keys their peer IDs inline. Thread-safe; it never changes consensus state.
/// </summary>
public sealed class ConsensusMessageFilter
{
    private readonly string _chainId;
    private readonly ConsensusOptions _options;
    private readonly CommitVerifier _commitVerifier;
    private HeightView? _view;

    public ConsensusMessageFilter(string chainId, ConsensusOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(chainId);
        ArgumentNullException.ThrowIfNull(options);
        _chainId = chainId;
        _options = options;
        _commitVerifier = new CommitVerifier(chainId);
    }

    public MessageVerdict Check(ReadOnlySpan<byte> data) => Check(data, out _);

    /// <param name="message">The decoded message, unless it is malformed.</param>
    public MessageVerdict Check(ReadOnlySpan<byte> data, out ConsensusMessage? message)
    {
        if (!ConsensusMessageCodec.TryDecode(data, _options.MaxMessageBytes, out message, out _))
            return MessageVerdict.Invalid;
        var view = Volatile.Read(ref _view);
        if (view is not null
            && (message!.Height < view.Height - ConsensusStateMachine.RecentDecisions || message.Height > view.Height + _options.MaxHeightsAhead))
            return MessageVerdict.Irrelevant;
        // Other heights' validator sets (and all of them with no driver running) are not at hand: their signers are
        // checked by the keys their peer IDs inline.
        var validators = message!.Height == view?.Height ? view.Validators : null;
        return message switch
        {
            SignedVote v => CheckSigner(v.Validator, validators, key => v.VerifySignature(_chainId, key)),
            SignedProposal p => CheckSigner(p.Proposer, validators, key => p.VerifySignature(_chainId, key)),
            Decision d => validators is null ? MessageVerdict.Valid
                : _commitVerifier.Verify(d.Commit, d.Height, d.Commit.ValueId.Span, validators).IsValid ? MessageVerdict.Valid : MessageVerdict.Invalid,
            _ => MessageVerdict.Invalid,
        };
    }

    /// <summary>Called by <paramref name="driver"/> whenever it starts a height.</summary>
    internal void Follow(ConsensusDriver driver, long height, ValidatorSet validators) =>
        Volatile.Write(ref _view, new HeightView(driver, height, validators));

    /// <summary>Called by <paramref name="driver"/> when it stops: the filter no longer follows it (a newer driver may have taken over).</summary>
    internal void Forget(ConsensusDriver driver)
    {
        var view = Volatile.Read(ref _view);
        if (view is not null && view.Driver == driver)
            Interlocked.CompareExchange(ref _view, null, view);
    }

    private static MessageVerdict CheckSigner(PeerId signer, ValidatorSet? validators, Func<PublicKey, bool> verify)
    {
        // Secp256k1 and Ed25519 peer IDs inline their key, so a signature can be checked before the signer's set is known.
        var key = validators?.Find(signer)?.PublicKey ?? signer.TryGetPublicKey();
        if (validators is not null && validators.Find(signer) is null) return MessageVerdict.Invalid;
        if (key is null) return MessageVerdict.Irrelevant;
        return verify(key) ? MessageVerdict.Valid : MessageVerdict.Invalid;
    }

    private sealed record HeightView(ConsensusDriver Driver, long Height, ValidatorSet Validators);
}
