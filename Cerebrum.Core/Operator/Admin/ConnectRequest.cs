namespace Cerebrum.Core.Operator.Admin;

/// <summary>The body of <c>POST /peers/connect</c>: <c>{"addr": "/ip4/…/tcp/…/p2p/…"}</c>.</summary>
public sealed record ConnectRequest(string? Addr);
