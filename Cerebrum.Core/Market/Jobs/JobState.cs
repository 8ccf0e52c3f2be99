namespace Cerebrum.Core.Market.Jobs;

/// <summary>Where a batch job is: running (also after a restart, until every input has a result line), or ended.</summary>
public enum JobState
{
    Running,
    Done,
    Cancelled,
    Failed,
}
