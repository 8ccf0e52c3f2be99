namespace Cerebrum.Core.Consensus;

/// <summary>The application's answer to the paper's valid(v).</summary>
public enum ValueVerdict
{
    Valid,
    Invalid,
}
