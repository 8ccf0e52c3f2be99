using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// Empties a retired payer account into a beneficiary (a validator's throwaway canary identities into the validator): it
/// closes the account's open channels, settles each once its settle delay has passed (the node has claimed what it was
/// paid meanwhile; the rest comes back), and when no channel is left transfers the whole balance less the fee. Each
/// <see cref="Step"/> looks only at the ledger and submits what is due, one stage at a time and nothing while the account
/// has transactions pending, so it can be called on every tick and resumes after a restart from the ledger alone.
/// </summary>
public sealed class PayerSweep(ChainNode chain, PrivateKey payer, PeerId beneficiary, Func<byte[], TransactionSubmission> submit)
{
    /// <summary>Where a sweep stands after a step.</summary>
    public enum Stage
    {
        /// <summary>Transactions of the account are pending: nothing was sent.</summary>
        Waiting,

        /// <summary>Open channels were sent a CloseChannel.</summary>
        Closing,

        /// <summary>Channels are closing; those past their settle delay were sent a SettleChannel.</summary>
        Settling,

        /// <summary>No channel is left: the balance less the fee was sent to the beneficiary.</summary>
        Transferring,

        /// <summary>No channel is left and the balance is at most one fee (0 once the transfer committed): nothing more can move.</summary>
        Done,
    }

    public PeerId Payer => payer.PeerId;

    /// <summary>Sends what is due now; returns the stage. Refused submissions are returned in <paramref name="errors"/> (the next step tries again).</summary>
    public Stage Step(out IReadOnlyList<ChainError> errors)
    {
        var failures = new List<ChainError>();
        errors = failures;
        var account = chain.GetAccount(payer.PeerId);
        if (chain.GetNextNonce(payer.PeerId) != account.Nonce) return Stage.Waiting;
        var channels = chain.ListChannels(payer.PeerId).Where(c => c.Value.Payer.Span.SequenceEqual(payer.PeerId.Bytes.Span)).ToList();
        var open = channels.Where(c => c.Value.SettleAtUnixMs == 0).ToList();
        if (open.Count > 0)
        {
            foreach (var (id, _) in open)
                Send(new Transaction { CloseChannel = new CloseChannel { ChannelId = ByteString.CopyFrom(Convert.FromHexString(id)) } }, failures);
            return Stage.Closing;
        }
        if (channels.Count > 0)
        {
            var blockTime = chain.Status.LastTime.ToUnixTimeMilliseconds();
            foreach (var (id, _) in channels.Where(c => blockTime >= c.Value.SettleAtUnixMs))
                Send(new Transaction { SettleChannel = new SettleChannel { ChannelId = ByteString.CopyFrom(Convert.FromHexString(id)) } }, failures);
            return Stage.Settling;
        }
        var fee = chain.Params.MinFee;
        if (account.Balance <= fee) return Stage.Done;
        Send(new Transaction { Transfer = new Transfer { To = ByteString.CopyFrom(beneficiary.Bytes.Span), Amount = account.Balance - fee }, Fee = fee }, failures);
        return Stage.Transferring;
    }

    private void Send(Transaction body, List<ChainError> failures)
    {
        body.ChainId = chain.ChainId;
        body.SenderPublicKey = ByteString.CopyFrom(payer.PublicKey.ToProtobuf());
        body.Nonce = chain.GetNextNonce(payer.PeerId);
        if (body.Fee == 0) body.Fee = chain.Params.MinFee;
        if (submit(TransactionCodec.Sign(payer, body)).Error is { } error) failures.Add(error);
    }
}
