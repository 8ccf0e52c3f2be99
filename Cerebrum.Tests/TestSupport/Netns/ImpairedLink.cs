using System.Diagnostics;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// A point-to-point IP link between two namespaces made of two TUN devices and a userspace forwarder in the test
/// process, which holds every packet for the configured one-way delay and drops the configured share: the kernel here
/// has no sch_netem, so this is the harness's netem. It works at packet level, so TCP above it sees real delay and real
/// loss (and retransmits), and the addresses at both ends are ordinary routable addresses (no proxy to announce).
/// Per direction one thread reads packets and one writes them when due (both real-time threads where allowed, so that a
/// loaded machine delays packets as little as possible beyond the configured time); the queue is bounded like a
/// router's buffer.
/// </summary>
internal sealed class ImpairedLink : IDisposable
{
    /// <summary>Packets held per direction before the tail is dropped (a router's buffer; ~6 MB at full size).</summary>
    public const int QueueLimit = 4096;

    private const int MaxPacket = 65_536;

    private readonly TunDevice _a;
    private readonly TunDevice _b;
    private readonly int _wake;
    private readonly Direction _aToB;
    private readonly Direction _bToA;
    private volatile LinkImpairment _impairment;
    private volatile bool _stopping;

    private ImpairedLink(TunDevice a, TunDevice b, int wake, LinkImpairment impairment)
    {
        _a = a;
        _b = b;
        _wake = wake;
        _impairment = impairment;
        _aToB = new Direction(this, a, b, impairment.Seed);
        _bToA = new Direction(this, b, a, unchecked(impairment.Seed * 31 + 17));
    }

    /// <summary>The delay and loss applied from now on (a test may change them while traffic flows, e.g. go dark).</summary>
    public LinkImpairment Impairment
    {
        get => _impairment;
        set => _impairment = value ?? throw new ArgumentNullException(nameof(value));
    }

    public string NameA => _a.Name;

    public string NameB => _b.Name;

    /// <summary>Packets from side A towards side B.</summary>
    public LinkCounters AToB => _aToB.Counters();

    /// <summary>Packets from side B towards side A.</summary>
    public LinkCounters BToA => _bToA.Counters();

    /// <summary>
    /// Creates TUN device <paramref name="nameA"/> in <paramref name="a"/> with <paramref name="addressA"/> and
    /// <paramref name="nameB"/> in <paramref name="b"/> with <paramref name="addressB"/>, each pointing at the other
    /// (peer addresses, so each end has a host route to the other), and starts forwarding between them.
    /// </summary>
    public static ImpairedLink Create(NetworkNamespace a, string nameA, System.Net.IPAddress addressA,
        NetworkNamespace b, string nameB, System.Net.IPAddress addressB, LinkImpairment impairment)
    {
        var tunA = TunDevice.Create(a, nameA);
        TunDevice? tunB = null;
        var wake = -1;
        try
        {
            tunB = TunDevice.Create(b, nameB);
            wake = LinuxNative.EventFd(0, LinuxNative.EventCloseOnExec);
            if (wake < 0) throw LinuxNative.Failure("eventfd");
            foreach (var (space, name, local, peer) in new[] { (a, nameA, addressA, addressB), (b, nameB, addressB, addressA) })
            {
                space.Ip("addr", "add", local.ToString(), "peer", peer + "/32", "dev", name);
                space.Ip("link", "set", name, "mtu", "1500", "up");
            }
        }
        catch
        {
            tunA.Dispose();
            tunB?.Dispose();
            if (wake >= 0) LinuxNative.Close(wake);
            throw;
        }
        var link = new ImpairedLink(tunA, tunB, wake, impairment);
        link._aToB.Start();
        link._bToA.Start();
        return link;
    }

    /// <summary>Stops forwarding and closes both devices (which removes them from their namespaces).</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        WakeReaders();
        _aToB.Stop();
        _bToA.Stop();
        _a.Dispose();
        _b.Dispose();
        LinuxNative.Close(_wake);
    }

    private unsafe void WakeReaders()
    {
        ulong one = 1;
        LinuxNative.Write(_wake, (byte*)&one, sizeof(ulong));
    }

    /// <summary>One direction: a reader that stamps and maybe drops, a writer that delivers when due.</summary>
    private sealed class Direction
    {
        private readonly ImpairedLink _link;
        private readonly TunDevice _from;
        private readonly TunDevice _to;
        private readonly Random _random;
        private readonly Queue<(long Due, byte[] Packet)> _queue = new();
        private readonly Thread _reader;
        private readonly Thread _writer;
        private long _forwarded;
        private long _dropped;
        private long _overflowed;
        private long _failed;
        private Exception? _fault;

        public Direction(ImpairedLink link, TunDevice from, TunDevice to, int seed)
        {
            _link = link;
            _from = from;
            _to = to;
            _random = new Random(seed);
            _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"link {from.Name}->{to.Name} read" };
            _writer = new Thread(WriteLoop) { IsBackground = true, Name = $"link {from.Name}->{to.Name} write" };
        }

        public LinkCounters Counters()
        {
            if (Volatile.Read(ref _fault) is { } fault) throw new InvalidOperationException($"link {_from.Name}->{_to.Name} failed: {fault.Message}", fault);
            return new LinkCounters(Interlocked.Read(ref _forwarded), Interlocked.Read(ref _dropped), Interlocked.Read(ref _overflowed), Interlocked.Read(ref _failed));
        }

        public void Start()
        {
            _reader.Start();
            _writer.Start();
        }

        public void Stop()
        {
            lock (_queue) Monitor.PulseAll(_queue);
            _reader.Join();
            _writer.Join();
        }

        private unsafe void ReadLoop()
        {
            var buffer = new byte[MaxPacket];
            var descriptors = stackalloc LinuxNative.PollDescriptor[2];
            LinuxNative.TryRunAsRealTime();
            try
            {
                while (!_link._stopping)
                {
                    descriptors[0] = new LinuxNative.PollDescriptor { Fd = _from.Descriptor, Events = LinuxNative.PollIn };
                    descriptors[1] = new LinuxNative.PollDescriptor { Fd = _link._wake, Events = LinuxNative.PollIn };
                    var ready = LinuxNative.Poll(descriptors, 2, -1);
                    if (ready < 0)
                    {
                        if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == LinuxNative.Interrupted) continue;
                        throw LinuxNative.Failure("poll");
                    }
                    if (_link._stopping || descriptors[1].ReturnedEvents != 0) break;
                    if ((descriptors[0].ReturnedEvents & LinuxNative.PollIn) == 0) continue;
                    var length = _from.Read(buffer);
                    var arrived = Stopwatch.GetTimestamp();
                    var impairment = _link._impairment;
                    if (impairment.Loss > 0 && _random.NextDouble() < impairment.Loss)
                    {
                        Interlocked.Increment(ref _dropped);
                        continue;
                    }
                    var due = arrived + (long)(impairment.OneWayDelay.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));
                    lock (_queue)
                    {
                        if (_queue.Count >= QueueLimit)
                        {
                            Interlocked.Increment(ref _overflowed);
                            continue;
                        }
                        _queue.Enqueue((due, buffer.AsSpan(0, length).ToArray()));
                        Monitor.Pulse(_queue);
                    }
                }
            }
            catch (Exception e)
            {
                Volatile.Write(ref _fault, e);
            }
        }

        private void WriteLoop()
        {
            LinuxNative.TryRunAsRealTime();
            try
            {
                while (true)
                {
                    byte[] packet;
                    lock (_queue)
                    {
                        if (_link._stopping) return;
                        if (_queue.Count == 0)
                        {
                            Monitor.Wait(_queue);
                            continue;
                        }
                        var (due, head) = _queue.Peek();
                        var remaining = due - Stopwatch.GetTimestamp();
                        if (remaining > 0)
                        {
                            // Rounded up to whole milliseconds (the wait's resolution), so a packet is never early.
                            Monitor.Wait(_queue, (int)Math.Ceiling(remaining * 1000.0 / Stopwatch.Frequency));
                            continue;
                        }
                        _queue.Dequeue();
                        packet = head;
                    }
                    try
                    {
                        _to.Write(packet);
                        Interlocked.Increment(ref _forwarded);
                    }
                    catch (IOException)
                    {
                        // The receiving stack refused it (e.g. the device is going down): lost, as on a wire.
                        Interlocked.Increment(ref _failed);
                    }
                }
            }
            catch (Exception e)
            {
                Volatile.Write(ref _fault, e);
            }
        }
    }
}
