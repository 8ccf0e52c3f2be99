using System.Threading.Channels;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// One consumer of a topic. Messages wait in a bounded buffer; when the consumer falls behind, new messages are
/// dropped and counted rather than letting memory grow. Disposing unsubscribes.
/// </summary>
public sealed class Subscription : IDisposable
{
    private readonly Channel<PubSubMessage> _buffer;
    private readonly Action<Subscription> _onDispose;
    private long _dropped;
    private int _disposed;

    internal Subscription(string topic, int capacity, Action<Subscription> onDispose)
    {
        Topic = topic;
        _onDispose = onDispose;
        _buffer = Channel.CreateBounded<PubSubMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = false,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of blocking, so drops can be counted
        });
    }

    public string Topic { get; }

    /// <summary>Messages dropped because the consumer did not keep up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The topic's messages until the subscription is disposed or the router stops.</summary>
    public IAsyncEnumerable<PubSubMessage> Messages(CancellationToken cancellationToken = default) =>
        _buffer.Reader.ReadAllAsync(cancellationToken);

    public bool TryRead(out PubSubMessage message) => _buffer.Reader.TryRead(out message!);

    internal bool Offer(PubSubMessage message)
    {
        if (_buffer.Writer.TryWrite(message)) return true;
        Interlocked.Increment(ref _dropped);
        return false;
    }

    internal void Complete() => _buffer.Writer.TryComplete();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Complete();
        _onDispose(this);
    }
}
