namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// A node a job may use: its peer ID, how many of the job's inputs it may run at once, its price per input (a quote's
/// price is the most it is paid), where that came from, and whether the ledger shows it only Registered (a newcomer,
/// given a share of the inputs; see <see cref="IJobExecutor.RegisteredShare"/>).
/// </summary>
public sealed record JobNode(string PeerId, int Slots, ulong Price, JobNodeSource Source = JobNodeSource.Offer, bool Newcomer = false);
