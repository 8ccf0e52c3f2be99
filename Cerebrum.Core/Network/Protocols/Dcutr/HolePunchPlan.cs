using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>
/// What the initiator does after the other side's CONNECT: send <see cref="Sync"/>, then at <see cref="DialAt"/> (half
/// the measured relay round trip later, when the SYNC has reached the other side, which dials on receipt) dial
/// <see cref="Targets"/> for a TCP simultaneous open.
/// </summary>
public sealed record HolePunchPlan(byte[] Sync, DateTimeOffset DialAt, TimeSpan RoundTrip, IReadOnlyList<Multiaddress> Targets);
