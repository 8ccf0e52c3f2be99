using Cerebrum.Core.Network.Yamux;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Yamux;

/// <summary>A dialer and a listener session connected over an in-memory duplex pipe.</summary>
internal sealed class YamuxSessionPair : IAsyncDisposable
{
    private YamuxSessionPair(YamuxSession dialer, YamuxSession listener)
    {
        Dialer = dialer;
        Listener = listener;
    }

    public YamuxSession Dialer { get; }

    public YamuxSession Listener { get; }

    public static YamuxSessionPair Create(YamuxOptions? dialerOptions = null, YamuxOptions? listenerOptions = null)
    {
        var (dialerEnd, listenerEnd) = DuplexPipe.Create();
        return new YamuxSessionPair(
            new YamuxSession(dialerEnd, isInitiator: true, dialerOptions ?? new YamuxOptions(), NullLogger.Instance),
            new YamuxSession(listenerEnd, isInitiator: false, listenerOptions ?? new YamuxOptions(), NullLogger.Instance));
    }

    /// <summary>Opens a stream on the dialer and accepts it on the listener.</summary>
    public async Task<(YamuxStream Dialer, YamuxStream Listener)> OpenAsync()
    {
        var opened = await Dialer.OpenStreamAsync().AsTask().WaitAsync(YamuxTestTimeouts.Event);
        var accepted = await Listener.AcceptStreamAsync().AsTask().WaitAsync(YamuxTestTimeouts.Event);
        return (opened, accepted);
    }

    public async ValueTask DisposeAsync()
    {
        await Dialer.DisposeAsync().AsTask().WaitAsync(YamuxTestTimeouts.Event);
        await Listener.DisposeAsync().AsTask().WaitAsync(YamuxTestTimeouts.Event);
    }
}
