namespace Cerebrum.Core.Consensus;

/// <summary>The two vote kinds of Tendermint; the numbers are the wire values of <c>SignedMessageType</c>.</summary>
public enum VoteType
{
    Prevote = 1,
    Precommit = 2,
}
