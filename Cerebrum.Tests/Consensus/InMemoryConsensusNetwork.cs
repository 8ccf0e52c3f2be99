using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cerebrum.Core.Consensus;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// A broadcast medium for <see cref="ConsensusDriver"/> tests: every message goes to every other member that is up,
/// through the receiver's message check first (as gossipsub would), so only valid messages are delivered.
/// </summary>
internal sealed class InMemoryConsensusNetwork
{
    private readonly List<Member> _members = [];

    public Member Join()
    {
        var member = new Member(this);
        lock (_members) _members.Add(member);
        return member;
    }

    private void Deliver(Member from, ReadOnlyMemory<byte> message)
    {
        Member[] members;
        lock (_members) members = [.. _members];
        foreach (var to in members)
        {
            if (to == from || to.IsDown) continue;
            if (to.Validator is { } validate && validate(message.Span) != MessageVerdict.Valid) continue;
            to.Inbox.Writer.TryWrite(message.ToArray());
        }
    }

    internal sealed class Member(InMemoryConsensusNetwork network) : IConsensusTransport
    {
        public Channel<ReadOnlyMemory<byte>> Inbox { get; } = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();

        /// <summary>The receiver's message check (e.g. <see cref="ConsensusDriver.ValidateMessage"/>).</summary>
        public ValidatorFunc? Validator { get; set; }

        /// <summary>A member that is down neither sends nor receives (a crashed validator).</summary>
        public bool IsDown { get; set; }

        public int Sent => Volatile.Read(ref _sent);

        private int _sent;

        public ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            if (IsDown) return ValueTask.CompletedTask;
            Interlocked.Increment(ref _sent);
            network.Deliver(this, message);
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var message in Inbox.Reader.ReadAllAsync(cancellationToken))
                yield return message;
        }
    }

    internal delegate MessageVerdict ValidatorFunc(ReadOnlySpan<byte> message);
}
