namespace Cerebrum.Core.Market.Jobs;

/// <summary>A node a job may use: its peer ID, how many of the job's inputs it may run at once, and its price per input.</summary>
public sealed record JobNode(string PeerId, int Slots, ulong Price);
