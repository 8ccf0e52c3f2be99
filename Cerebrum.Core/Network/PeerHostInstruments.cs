using System.Diagnostics.Metrics;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Transport;

namespace Cerebrum.Core.Network;

/// <summary>
/// One host's instruments (see <see cref="NetworkMetrics"/>): gauges read the host's connection table when observed,
/// the byte counters are added to by <see cref="MeteredStream"/> on every socket read and write.
/// </summary>
internal sealed class PeerHostInstruments
{
    private static readonly KeyValuePair<string, object?> Inbound = new(NetworkMetrics.DirectionTag, "inbound");
    private static readonly KeyValuePair<string, object?> Outbound = new(NetworkMetrics.DirectionTag, "outbound");

    private PeerHostInstruments(Counter<long> sent, Counter<long> received)
    {
        Sent = sent;
        Received = received;
    }

    public Counter<long> Sent { get; }

    public Counter<long> Received { get; }

    /// <summary>Wraps a transport connection's stream so that its bytes are counted, handshakes included.</summary>
    public Stream Meter(Stream raw) => new MeteredStream(raw, Sent, Received);

    /// <summary>Null without a factory: an uninstrumented host pays nothing, not even a wrapper per socket.</summary>
    public static PeerHostInstruments? Create(IMeterFactory? meterFactory, Func<IReadOnlyCollection<Connection>> connections)
    {
        if (meterFactory is null) return null;
        var meter = meterFactory.Create(NetworkMetrics.MeterName);
        meter.CreateObservableGauge(NetworkMetrics.Peers, () => connections().Select(c => c.RemotePeer).Distinct().Count(),
            "{peer}", "Distinct peers with an open connection");
        meter.CreateObservableGauge(NetworkMetrics.Connections, () =>
        {
            var open = connections();
            var inbound = open.Count(c => c.Direction == ConnectionDirection.Inbound);
            return new[] { new Measurement<int>(inbound, Inbound), new Measurement<int>(open.Count - inbound, Outbound) };
        }, "{connection}", "Open connections by direction");
        meter.CreateObservableGauge(NetworkMetrics.Streams, () => connections().Sum(c => c.Session.StreamCount),
            "{stream}", "Open Yamux streams over all connections");
        var instruments = new PeerHostInstruments(
            meter.CreateCounter<long>(NetworkMetrics.Sent, "By", "Bytes written to peers' sockets, handshakes included"),
            meter.CreateCounter<long>(NetworkMetrics.Received, "By", "Bytes read from peers' sockets, handshakes included"));
        // A zero now, so that a listener already attached shows the series (at 0) before the first connection.
        instruments.Sent.Add(0);
        instruments.Received.Add(0);
        return instruments;
    }
}
