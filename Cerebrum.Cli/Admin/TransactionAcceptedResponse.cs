namespace Cerebrum.Cli.Admin;

/// <summary><c>POST /chain/txs</c>: the transaction entered the daemon's mempool and was gossiped.</summary>
public sealed record TransactionAcceptedResponse(string Hash);
