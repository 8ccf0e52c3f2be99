namespace Cerebrum.Core.Consensus;

/// <summary>An output of the state machine, for its host to carry out in order.</summary>
public abstract record ConsensusAction;

/// <summary>Send a message to all validators (the state machine has already processed its own copy).</summary>
public sealed record BroadcastMessage(ConsensusMessage Message) : ConsensusAction;

/// <summary>Call <see cref="ConsensusStateMachine.OnTimeout"/> with <see cref="Timeout"/> after <see cref="Delay"/>.</summary>
public sealed record ScheduleTimeout(ConsensusTimeout Timeout, TimeSpan Delay) : ConsensusAction;

/// <summary>The paper's decision_p[h] = v (line 51): apply the value; the commit proves it.</summary>
public sealed record DecideValue(long Height, int Round, ReadOnlyMemory<byte> Value, Commit Commit) : ConsensusAction;
