using System.Globalization;
using System.Text;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Chain;

/// <summary>
/// Text output of the ledger commands: one <c>label value</c> pair per line with single spaces, so that a script can
/// match a line such as <c>height 12</c> exactly.
/// </summary>
public static class ChainText
{
    public static string Status(ChainStatusResponse status)
    {
        var text = new StringBuilder();
        Line(text, "chain-id", status.ChainId);
        Line(text, "height", Number(status.Height));
        Line(text, "hash", status.Hash);
        Line(text, "time", Time(status.Time));
        Line(text, "state-root", status.StateRoot);
        Line(text, "syncing", status.Syncing ? "yes" : "no");
        Line(text, "pending", $"{Number((ulong)status.PendingTransactions)} transaction(s)");
        Line(text, "validator", status.IsValidator ? "this daemon is in the validator set" : "this daemon is not a validator");
        var total = status.Validators.Sum(v => v.Power);
        Line(text, "validators", $"{status.Validators.Count} (total power {total.ToString(CultureInfo.InvariantCulture)})");
        foreach (var validator in status.Validators)
            text.Append(CultureInfo.InvariantCulture, $"  {validator.PeerId} power {validator.Power}\n");
        return text.ToString().TrimEnd('\n');
    }

    public static string Block(ChainBlockResponse block)
    {
        var text = new StringBuilder();
        Line(text, "height", Number(block.Height));
        Line(text, "hash", block.Hash);
        Line(text, "previous-hash", block.PreviousHash);
        Line(text, "time", Time(block.Time));
        Line(text, "proposer", block.Proposer);
        Line(text, "state-root", block.StateRoot);
        Line(text, "commit-signatures", block.CommitSignatures.ToString(CultureInfo.InvariantCulture));
        Line(text, "transactions", block.Transactions.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var tx in block.Transactions)
            text.Append(CultureInfo.InvariantCulture, $"  {tx.Hash} {tx.Type} from {tx.Sender} nonce {tx.Nonce} fee {tx.Fee}\n");
        if (block.Evidence is { Count: > 0 } evidence)
        {
            Line(text, "evidence", evidence.Count.ToString(CultureInfo.InvariantCulture));
            foreach (var e in evidence)
                text.Append(CultureInfo.InvariantCulture, $"  {e.Validator} signed two {e.Type}s at height {e.Height} round {e.Round}\n");
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// <c>chain validators</c>: the height the set decides, the set (each with its power and stake) and the jailed
    /// validators (until when, slashed how much, last at which block).
    /// </summary>
    public static string Validators(ChainValidatorsResponse response)
    {
        var text = new StringBuilder();
        Line(text, "height", Number(response.Height));
        var members = response.Validators.Where(v => !v.Jailed).ToList();
        var jailed = response.Validators.Where(v => v.Jailed).ToList();
        Line(text, "validators", $"{members.Count} (total power {response.TotalPower.ToString(CultureInfo.InvariantCulture)})");
        foreach (var v in members)
            text.Append(CultureInfo.InvariantCulture, $"  {v.PeerId} power {v.Power} stake {v.Stake}{Slashing(v.SlashedTotal, v.SlashedHeight)}\n");
        Line(text, "jailed", jailed.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var v in jailed)
            text.Append(CultureInfo.InvariantCulture, $"  {v.PeerId} until {Time(v.JailRelease ?? DateTime.UnixEpoch)} stake {v.Stake}{Slashing(v.SlashedTotal, v.SlashedHeight)}\n");
        return text.ToString().TrimEnd('\n');
    }

    public static string Account(ChainAccountResponse account)
    {
        var text = new StringBuilder();
        Line(text, "account", account.PeerId);
        Line(text, "balance", Number(account.Balance));
        Line(text, "stake", Number(account.Stake));
        Line(text, "escrow", Number(account.Escrow));
        Line(text, "unbonding", account.UnbondingRelease is { } release && account.Unbonding > 0
            ? $"{Number(account.Unbonding)} (released at {Time(release)})"
            : Number(account.Unbonding));
        Line(text, "nonce", Number(account.Nonce));
        Line(text, "next-nonce", Number(account.NextNonce));
        Line(text, "jailed", account.Jailed ? $"yes (until {Time(account.JailRelease ?? DateTime.UnixEpoch)}, then Unjail)" : "no");
        Line(text, "slashed", account.SlashedTotal == 0 ? "0" : $"{Number(account.SlashedTotal)} (last at height {Number(account.SlashedHeight)})");
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// One line: "included at height H", "pending: …", "rejected: &lt;reason&gt; (&lt;Code&gt;)" or "unknown: …", as
    /// <c>tx status</c> prints it and <c>tx --wait</c> ends with.
    /// </summary>
    public static string TransactionStatus(ChainTransactionStatusResponse status) => status.Status switch
    {
        ChainTransactionStatusResponse.Included => $"included at height {status.Height?.ToString(CultureInfo.InvariantCulture)}",
        ChainTransactionStatusResponse.Pending => "pending: in the daemon's mempool, not yet in a block",
        ChainTransactionStatusResponse.Rejected => $"rejected: {status.Error} ({status.Code})",
        _ => "unknown: this daemon has no record of it (not in a block, not pending, no recent rejection)",
    };

    private static string Slashing(ulong total, ulong height) =>
        total == 0 && height == 0 ? "" : $" slashed {Number(total)} (last at height {Number(height)})";

    private static void Line(StringBuilder text, string label, string value) => text.Append(label).Append(' ').Append(value).Append('\n');

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The admin API writes UTC times with a Z, which System.Text.Json reads as <see cref="DateTimeKind.Utc"/>.</summary>
    private static string Time(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC";
}
