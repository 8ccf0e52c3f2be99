using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Cerebrum.Tests.TestSupport.Netns;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// The multi-host harness itself: namespaces with their own addresses, a link that adds exactly the configured one-way
/// delay (a 25 ms link is a 50 ms round trip, for raw sockets and for two real daemons' libp2p ping), drops the
/// configured share of packets while TCP above it still delivers every byte, and leaves nothing behind.
/// </summary>
[TestFixture]
[NonParallelizable]
[Platform("Linux", Reason = "network namespaces, veth pairs and TUN devices are Linux's")]
public sealed class NetnsTestbedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(25);

    [Test]
    public async Task A25MsOneWayLink_IsA50MsRoundTripWithin15Percent_AndTheLanIsNot()
    {
        await using var testbed = NetnsTestbed.Create();
        var near = testbed.AddHost("near");
        var alsoNear = testbed.AddHost("alsonear");
        var far = testbed.AddHost("far", new LinkImpairment(OneWay));

        var overLink = await EchoRoundTripsAsync(near, far, samples: 20);
        var overLan = await EchoRoundTripsAsync(near, alsoNear, samples: 20);

        Assert.That(overLink.Min(), Is.GreaterThanOrEqualTo(50.0), "the forwarder never delivers a packet early");
        Assert.That(Median(overLink), Is.InRange(50 * 0.85, 50 * 1.15), $"round trips: {string.Join(", ", overLink.Select(r => r.ToString("0.0")))} ms");
        Assert.That(Median(overLan), Is.LessThan(5.0), "the LAN adds no delay of its own");
        Assert.That(far.Inbound.Forwarded, Is.GreaterThanOrEqualTo(20), "the echoes' packets crossed the link");
        Assert.That(far.Inbound.Dropped + far.Outbound.Dropped, Is.Zero);
    }

    [Test]
    public async Task TwoDaemons_PingEachOtherAcrossTheLink_At50MsWithin15Percent()
    {
        await using var testbed = NetnsTestbed.Create();
        using var directory = TemporaryDirectory.Create();
        var near = testbed.AddHost("near");
        var far = testbed.AddHost("far", new LinkImpairment(OneWay));
        var nearDaemon = await near.StartDaemonAsync(InitializedDirectory(directory, "near"));
        var farDaemon = await far.StartDaemonAsync(InitializedDirectory(directory, "far"));
        Assert.That(farDaemon.ListenAddress, Does.StartWith($"/ip4/{far.Address}/tcp/{NetnsHost.P2pPort}/p2p/"), "the daemon listens on its own namespace's address");

        // Each connect (to the existing connection after the first) runs one libp2p ping on a fresh stream.
        var latencies = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await nearDaemon.Admin.PostAsJsonAsync("peers/connect", new ConnectRequest(farDaemon.ListenAddress));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            var peer = (await response.Content.ReadFromJsonAsync<PeerResponse>())!;
            Assert.That(peer.Address, Does.StartWith($"/ip4/{far.Address}/tcp/{NetnsHost.P2pPort}"));
            latencies.Add(peer.LatencyMs!.Value);
        }

        // The least of the samples, as validators take a node's latency (queueing in two busy processes only adds).
        Assert.That(latencies.Min(), Is.InRange(50 * 0.85, 50 * 1.15), $"libp2p ping round trips: {string.Join(", ", latencies.Select(r => r.ToString("0.0")))} ms");
    }

    [Test]
    public async Task ALossyLink_DropsTheConfiguredShareOfPackets()
    {
        const int datagrams = 2000;
        const double loss = 0.2;
        await using var testbed = NetnsTestbed.Create();
        var sender = testbed.AddHost("sender");
        var receiver = testbed.AddHost("receiver", new LinkImpairment(TimeSpan.FromMilliseconds(2), loss, seed: 7));
        using var inbound = receiver.CreateUdpSocket();
        inbound.Bind(new IPEndPoint(receiver.Address, 9000));
        using var outbound = sender.CreateUdpSocket();
        var received = 0;
        using var stop = new CancellationTokenSource(Timeout);
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[64];
            while (!stop.IsCancellationRequested)
            {
                await inbound.ReceiveAsync(buffer, stop.Token);
                Interlocked.Increment(ref received);
            }
        });

        // Paced in bursts the receiver keeps up with, so that only the link loses datagrams (not a full socket buffer).
        var payload = new byte[32];
        for (var sent = 1; sent <= datagrams; sent++)
        {
            await outbound.SendToAsync(payload, new IPEndPoint(receiver.Address, 9000));
            if (sent % 50 == 0 || sent == datagrams)
                await Poll.UntilAsync(() => Volatile.Read(ref received) + receiver.Inbound.Dropped >= sent, Timeout);
        }
        await stop.CancelAsync();
        await AssertCancelledAsync(receiving);

        var counters = receiver.Inbound;
        var sigma = Math.Sqrt(datagrams * loss * (1 - loss));
        Assert.That(received, Is.EqualTo(datagrams - counters.Dropped), "every datagram not dropped by the link arrived");
        Assert.That(counters.Dropped, Is.InRange(datagrams * loss - 5 * sigma, datagrams * loss + 5 * sigma), $"dropped {counters.Dropped} of {datagrams}");
        Assert.That(counters.Overflowed + counters.Failed, Is.Zero);
    }

    [Test]
    public async Task TcpOverALossyLink_StillDeliversEveryByte()
    {
        await using var testbed = NetnsTestbed.Create();
        var a = testbed.AddHost("a");
        var b = testbed.AddHost("b", new LinkImpairment(TimeSpan.FromMilliseconds(5), loss: 0.05, seed: 3));
        var data = new byte[512 * 1024];
        new Random(11).NextBytes(data);
        using var listener = b.CreateTcpSocket();
        listener.Bind(new IPEndPoint(b.Address, 9001));
        listener.Listen();
        var accepting = listener.AcceptAsync();
        using var client = a.CreateTcpSocket();
        using var timeout = new CancellationTokenSource(Timeout);
        await client.ConnectAsync(new IPEndPoint(b.Address, 9001), timeout.Token);
        using var server = await accepting;

        var sending = Task.Run(async () =>
        {
            await client.SendAsync(data, timeout.Token);
            client.Shutdown(SocketShutdown.Send);
        });
        using var copy = new MemoryStream();
        await using (var stream = new NetworkStream(server)) await stream.CopyToAsync(copy, timeout.Token);
        await sending;

        Assert.That(copy.ToArray(), Is.EqualTo(data));
        Assert.That(b.Inbound.Dropped + b.Outbound.Dropped, Is.GreaterThan(0), "the link did lose packets, which TCP resent");
    }

    [Test]
    public async Task Dispose_RemovesEveryNamespaceAndInterface_EvenAfterAFailure()
    {
        string prefix;
        var testbed = NetnsTestbed.Create();
        try
        {
            prefix = testbed.Prefix;
            testbed.AddHost("plain");
            testbed.AddHost("slow", new LinkImpairment(TimeSpan.FromMilliseconds(1)));
            Assert.That(NamespacesWith(prefix), Has.Count.EqualTo(3), "hub, plain and slow");
            Assert.Throws<InvalidOperationException>(() => testbed.AddNamespace("plain"), "a name taken twice fails the set-up half way");
        }
        finally
        {
            await testbed.DisposeAsync();
        }

        Assert.That(NamespacesWith(prefix), Is.Empty);
        Assert.That(IpCommand.Run("-o", "link", "show"), Does.Not.Contain(prefix), "no interface of the run is left in the root namespace");
    }

    private static List<string> NamespacesWith(string prefix) =>
        [.. IpCommand.Run("netns", "list").Split('\n').Select(line => line.Split(' ')[0]).Where(name => name.StartsWith(prefix + "-", StringComparison.Ordinal))];

    private static string InitializedDirectory(TemporaryDirectory parent, string name)
    {
        var path = Directory.CreateDirectory(Path.Combine(parent.Path, name)).FullName;
        InitCommand.Run(new DataDirectory(path), TextWriter.Null);
        return path;
    }

    /// <summary>
    /// Round trips of 32-byte messages over one TCP connection from <paramref name="from"/> to an echo server on
    /// <paramref name="to"/>, in milliseconds. Both ends run on their own real-time threads, so that what is measured is
    /// the path, not how long the test process waited for a core.
    /// </summary>
    private static async Task<List<double>> EchoRoundTripsAsync(NetnsHost from, NetnsHost to, int samples)
    {
        using var listener = to.CreateTcpSocket();
        listener.Bind(new IPEndPoint(to.Address, 7));
        listener.Listen();
        listener.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        var echoing = OnRealTimeThreadAsync(() =>
        {
            using var connection = listener.Accept();
            connection.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
            var buffer = new byte[32];
            int read;
            while ((read = connection.Receive(buffer)) > 0) connection.Send(buffer.AsSpan(0, read));
            return true;
        });
        using var client = from.CreateTcpSocket();
        client.NoDelay = true;
        client.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        var measuring = OnRealTimeThreadAsync(() =>
        {
            client.Connect(new IPEndPoint(to.Address, 7));
            var message = new byte[32];
            var answer = new byte[32];
            var roundTrips = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                var start = Stopwatch.GetTimestamp();
                client.Send(message);
                for (var got = 0; got < answer.Length;)
                {
                    var read = client.Receive(answer.AsSpan(got));
                    if (read == 0) throw new InvalidDataException("the echo server closed early");
                    got += read;
                }
                roundTrips.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            client.Shutdown(SocketShutdown.Send);
            return roundTrips;
        });
        var result = await measuring.WaitAsync(Timeout);
        await echoing.WaitAsync(Timeout);
        return result;
    }

    private static Task<T> OnRealTimeThreadAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            LinuxNative.TryRunAsRealTime();
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        }) { IsBackground = true }.Start();
        return completion.Task;
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task AssertCancelledAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        Assert.Fail("the receiver stopped on its own");
    }
}
