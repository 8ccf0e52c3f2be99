using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Resources;

/// <summary>
/// The resource manager seam: the host asks it at every stage of a connection's and a stream's life, honours a refusal
/// at each, and releases every scope it was granted.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ResourceManagerTests
{
    private static Func<PeerHostOptions, PeerHostOptions> With(IResourceManager resources, TimeSpan? backoff = null) =>
        options => options with
        {
            ResourceManager = resources,
            PingInterval = TimeSpan.Zero,
            DialBackoffBase = backoff ?? TimeSpan.Zero,
            DialBackoffMax = backoff ?? TimeSpan.Zero,
        };

    private static async Task WaitReleasedAsync(RecordingResourceManager resources)
    {
        await Poll.UntilAsync(() => resources.OpenConnections == 0 && resources.OpenStreams == 0, TestHosts.Timeout);
        Assert.That(resources.DoubleDisposals, Is.Zero, "a scope was disposed twice");
    }

    [Test]
    public async Task Every_connection_and_stream_is_asked_for_and_released_on_both_sides()
    {
        var listenerResources = new RecordingResourceManager();
        var dialerResources = new RecordingResourceManager();
        await using var listener = await TestHosts.StartAsync(configure: With(listenerResources));
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync(configure: With(dialerResources));

        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var echoed = await EchoProtocol.RoundTripAsync(connection, [1, 2, 3], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(echoed, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(dialerResources.OpenConnections, Is.EqualTo(1));

        Assert.That(dialerResources.Events, Does.Contain($"connection Outbound {listener.ListenAddresses[0]}"));
        Assert.That(dialerResources.Events, Does.Contain($"peer {listener.PeerId}"));
        Assert.That(dialerResources.Events, Does.Contain("stream Outbound"));
        Assert.That(dialerResources.Events, Does.Contain($"protocol {EchoProtocol.Id}"));
        await Poll.UntilAsync(() => listenerResources.Events.Contains($"protocol {EchoProtocol.Id}"), TestHosts.Timeout);
        Assert.That(listenerResources.Events, Does.Contain($"connection Inbound {connection.LocalAddress}"));
        Assert.That(listenerResources.Events, Does.Contain($"peer {dialer.PeerId}"));
        Assert.That(listenerResources.Events, Does.Contain("stream Inbound"));

        await dialer.DisconnectAsync(listener.PeerId);

        await WaitReleasedAsync(dialerResources);
        await WaitReleasedAsync(listenerResources);
    }

    [Test]
    public async Task An_inbound_connection_refused_at_accept_is_closed_before_any_handshake()
    {
        var listenerResources = new RecordingResourceManager { AllowConnection = (direction, _) => direction != ConnectionDirection.Inbound };
        await using var listener = await TestHosts.StartAsync(configure: With(listenerResources));
        await using var dialer = await TestHosts.StartAsync();

        var error = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout));

        Assert.That(error!.Reason, Is.AnyOf(DialFailureReason.HandshakeFailed, DialFailureReason.Unreachable));
        Assert.That(listener.Connections, Is.Empty);
        Assert.That(listenerResources.Events.Where(e => e.StartsWith("peer ", StringComparison.Ordinal)), Is.Empty, "the handshake ran");
        Assert.That(listenerResources.OpenConnections, Is.Zero);
    }

    [Test]
    public async Task An_outbound_connection_refused_before_dialing_fails_as_a_connection_limit_and_is_not_backed_off()
    {
        var allow = false;
        var dialerResources = new RecordingResourceManager { AllowConnection = (_, _) => Volatile.Read(ref allow) };
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync(configure: With(dialerResources, backoff: TimeSpan.FromMinutes(1)));

        var error = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout));
        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.ConnectionLimit));
        Assert.That(listener.Connections, Is.Empty);

        Volatile.Write(ref allow, true);
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        Assert.That(connection.RemotePeer, Is.EqualTo(listener.PeerId));
    }

    [Test]
    public async Task A_peer_refused_after_the_handshake_is_not_added_and_its_scope_is_released()
    {
        var dialerResources = new RecordingResourceManager();
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync(configure: With(dialerResources));
        dialerResources.AllowPeer = peer => peer != listener.PeerId;

        var error = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout));

        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.ConnectionLimit));
        Assert.That(error.InnerException, Is.InstanceOf<ResourceLimitExceededException>());
        Assert.That(dialer.Connections, Is.Empty);
        Assert.That(dialerResources.Events, Does.Contain($"peer {listener.PeerId}"));
        await WaitReleasedAsync(dialerResources);
    }

    [Test]
    public async Task An_inbound_peer_refused_after_the_handshake_never_opens_a_connection()
    {
        var listenerResources = new RecordingResourceManager();
        await using var listener = await TestHosts.StartAsync(configure: With(listenerResources));
        var opened = 0;
        listener.ConnectionOpened += (_, _) => Interlocked.Increment(ref opened);
        await using var dialer = await TestHosts.StartAsync();
        listenerResources.AllowPeer = peer => peer != dialer.PeerId;

        try
        {
            // The dialer may finish its side of the handshake before the listener refuses: then its connection ends.
            var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
            await Poll.UntilAsync(() => connection.IsClosed, TestHosts.Timeout);
        }
        catch (DialException)
        {
            // or its dial fails outright
        }

        await Poll.UntilAsync(() => listenerResources.Events.Contains($"peer {dialer.PeerId}"), TestHosts.Timeout);
        await WaitReleasedAsync(listenerResources);
        Assert.That(Volatile.Read(ref opened), Is.Zero);
        Assert.That(listener.Connections, Is.Empty);
    }

    [Test]
    public async Task An_inbound_stream_refused_is_reset_and_the_connection_keeps_serving()
    {
        var refuse = true;
        var listenerResources = new RecordingResourceManager();
        await using var listener = await TestHosts.StartAsync(configure: With(listenerResources));
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync(configure: With(new RecordingResourceManager()));
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        listenerResources.AllowStream = direction => direction != ConnectionDirection.Inbound || !Volatile.Read(ref refuse);

        Assert.CatchAsync(() => EchoProtocol.RoundTripAsync(connection, [7], CancellationToken.None).WaitAsync(TestHosts.Timeout));
        Volatile.Write(ref refuse, false);
        var echoed = await EchoProtocol.RoundTripAsync(connection, [8], CancellationToken.None).WaitAsync(TestHosts.Timeout);

        Assert.That(echoed, Is.EqualTo(new byte[] { 8 }));
        Assert.That(connection.IsClosed, Is.False);
    }

    [Test]
    public async Task An_inbound_stream_of_a_refused_protocol_is_reset_before_its_handler_runs()
    {
        var listenerResources = new RecordingResourceManager { AllowProtocol = protocol => protocol != EchoProtocol.Id };
        await using var listener = await TestHosts.StartAsync(configure: With(listenerResources));
        var handled = 0;
        listener.SetHandler(EchoProtocol.Id, (stream, ct) =>
        {
            Interlocked.Increment(ref handled);
            return EchoProtocol.HandleAsync(stream, ct);
        });
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        Assert.CatchAsync(() => EchoProtocol.RoundTripAsync(connection, [7], CancellationToken.None).WaitAsync(TestHosts.Timeout));

        Assert.That(Volatile.Read(ref handled), Is.Zero);
        Assert.That(listenerResources.Events, Does.Contain($"protocol {EchoProtocol.Id}"));
        await dialer.DisconnectAsync(listener.PeerId);
        await WaitReleasedAsync(listenerResources);
    }

    [Test]
    public async Task An_outbound_stream_or_protocol_refused_fails_with_a_resource_limit_and_releases_its_scope()
    {
        var dialerResources = new RecordingResourceManager();
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync(configure: With(dialerResources));
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => dialerResources.OpenStreams == 0, TestHosts.Timeout); // identify's stream is done

        dialerResources.AllowStream = direction => direction != ConnectionDirection.Outbound;
        Assert.ThrowsAsync<ResourceLimitExceededException>(() => connection.OpenStreamAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout));
        Assert.ThrowsAsync<ResourceLimitExceededException>(() => connection.OpenStreamLazyAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout));

        dialerResources.AllowStream = _ => true;
        dialerResources.AllowProtocol = protocol => protocol != EchoProtocol.Id;
        Assert.ThrowsAsync<ResourceLimitExceededException>(() => connection.OpenStreamAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout));
        Assert.ThrowsAsync<ResourceLimitExceededException>(() => connection.OpenStreamLazyAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout));

        Assert.That(dialerResources.OpenStreams, Is.Zero);
        Assert.That(dialerResources.DoubleDisposals, Is.Zero);
        Assert.That(await dialer.PingAsync(connection).WaitAsync(TestHosts.Timeout), Is.GreaterThan(TimeSpan.Zero));
    }
}
