using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Streams;

/// <summary><see cref="Connection.OpenStreamLazyAsync"/>: the protocol proposal travels in front of the first write.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class LazyStreamTests
{
    [Test]
    public async Task Lazy_stream_carries_the_first_bytes_behind_the_proposal_to_the_handler()
    {
        await using var listener = await TestHosts.StartAsync();
        var served = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.SetHandler(EchoProtocol.Id, async (stream, ct) =>
        {
            served.TrySetResult(stream.Protocol);
            await EchoProtocol.HandleAsync(stream, ct);
        });
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var payload = EchoProtocol.Pattern(100_000, 7);

        await using var stream = await connection.OpenStreamLazyAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout);
        await stream.Stream.WriteAsync(payload).AsTask().WaitAsync(TestHosts.Timeout);
        await stream.CompleteWritesAsync().AsTask().WaitAsync(TestHosts.Timeout);
        using var echoed = new MemoryStream();
        await stream.Stream.CopyToAsync(echoed).WaitAsync(TestHosts.Timeout);

        Assert.That(await served.Task.WaitAsync(TestHosts.Timeout), Is.EqualTo(EchoProtocol.Id));
        Assert.That(stream.Protocol, Is.EqualTo(EchoProtocol.Id));
        Assert.That(echoed.ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public async Task Lazy_stream_serves_several_request_response_turns()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        await using var stream = await connection.OpenStreamLazyAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout);

        for (var turn = 0; turn < 3; turn++)
        {
            var message = EchoProtocol.Pattern(1000 + turn, turn);
            await LengthPrefixedMessage.WriteAsync(stream.Stream, message, CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout);
            var answer = await LengthPrefixedMessage.ReadAsync(stream.Stream, 1 << 20, CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout);
            Assert.That(answer, Is.EqualTo(message), $"turn {turn}");
        }
    }

    [Test]
    public async Task Refused_protocol_fails_the_first_read_clearly_and_the_connection_keeps_working()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        await using var refused = await connection.OpenStreamLazyAsync("/cerebrum/absent/1.0.0").WaitAsync(TestHosts.Timeout);
        await refused.Stream.WriteAsync(new byte[] { 3, 1, 2, 3 }).AsTask().WaitAsync(TestHosts.Timeout);
        var e = Assert.ThrowsAsync<ProtocolNotSupportedException>(async () => await refused.Stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TestHosts.Timeout));

        Assert.That(e!.Protocols, Is.EqualTo(new[] { "/cerebrum/absent/1.0.0" }));
        Assert.That(e.Message, Does.Contain("/cerebrum/absent/1.0.0"));
        var echoed = await EchoProtocol.RoundTripAsync(connection, [1, 2, 3], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(echoed, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(connection.IsClosed, Is.False);
    }

    [Test]
    public async Task Half_close_without_a_write_still_names_the_protocol()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        await using var stream = await connection.OpenStreamLazyAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout);
        await stream.CompleteWritesAsync().AsTask().WaitAsync(TestHosts.Timeout);
        var read = await stream.Stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TestHosts.Timeout);

        // Had the FIN gone out without the proposal, the listener would have reset the stream and the read would throw.
        Assert.That(read, Is.Zero, "the echo handler saw the end of our writes and completed its own");
    }

    [Test]
    public async Task Host_opens_a_lazy_stream_by_peer_id()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        await using var stream = await dialer.OpenStreamLazyAsync(listener.PeerId, EchoProtocol.Id).WaitAsync(TestHosts.Timeout);
        await stream.Stream.WriteAsync(new byte[] { 42 }).AsTask().WaitAsync(TestHosts.Timeout);
        var reply = new byte[1];
        await stream.Stream.ReadExactlyAsync(reply).AsTask().WaitAsync(TestHosts.Timeout);

        Assert.That(reply[0], Is.EqualTo(42));
        Assert.That(stream.Connection.RemotePeer, Is.EqualTo(listener.PeerId));
    }

    [Test]
    public async Task Invalid_protocol_ids_are_rejected_before_anything_is_sent()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        Assert.That(() => connection.OpenStreamLazyAsync(""), Throws.ArgumentException);
        Assert.That(() => connection.OpenStreamLazyAsync("na"), Throws.ArgumentException);
    }
}
