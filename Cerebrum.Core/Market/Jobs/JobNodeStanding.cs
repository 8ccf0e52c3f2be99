namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// What a requester knows of a node it admitted for a job: whether the ledger shows it only Registered (a newcomer), its
/// ledger reputation (ppm), and the moving average of its answers to this daemon (null before the first).
/// </summary>
public readonly record struct JobNodeStanding(bool Newcomer, uint ReputationPpm, TimeSpan? Latency);
