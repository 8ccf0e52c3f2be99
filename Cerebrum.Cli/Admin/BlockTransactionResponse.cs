namespace Cerebrum.Cli.Admin;

/// <summary>One transaction of a block in <c>GET /chain/blocks/{height}</c>.</summary>
public sealed record BlockTransactionResponse(string Hash, string Type, string Sender, ulong Nonce, ulong Fee);
