using System.Collections.Frozen;

namespace Cerebrum.Core.Network.Multiaddr;

/// <summary>
/// One entry of the multiaddr protocol table (multiformats/multiaddr protocols.csv). Only the protocols listed here
/// are understood; anything else is rejected rather than carried opaquely, because without the table we could not
/// even tell where its value ends in the binary form.
/// </summary>
public sealed class MultiaddressProtocol
{
    /// <summary><see cref="SizeInBits"/> of protocols whose value is varint-length-prefixed.</summary>
    public const int VariableSize = -1;

    private static readonly MultiaddressProtocol[] All =
    [
        new(4, "ip4", 32, MultiaddressValueCodec.Ip4),
        new(6, "tcp", 16, MultiaddressValueCodec.Port),
        new(33, "dccp", 16, MultiaddressValueCodec.Port),
        new(41, "ip6", 128, MultiaddressValueCodec.Ip6),
        new(42, "ip6zone", VariableSize, MultiaddressValueCodec.Name),
        new(43, "ipcidr", 8, MultiaddressValueCodec.Byte),
        new(53, "dns", VariableSize, MultiaddressValueCodec.DomainName),
        new(54, "dns4", VariableSize, MultiaddressValueCodec.DomainName),
        new(55, "dns6", VariableSize, MultiaddressValueCodec.DomainName),
        new(56, "dnsaddr", VariableSize, MultiaddressValueCodec.DomainName),
        new(132, "sctp", 16, MultiaddressValueCodec.Port),
        new(273, "udp", 16, MultiaddressValueCodec.Port),
        new(280, "webrtc-direct", 0, null),
        new(281, "webrtc", 0, null),
        new(290, "p2p-circuit", 0, null),
        new(421, "p2p", VariableSize, MultiaddressValueCodec.PeerId),
        new(443, "https", 0, null),
        new(448, "tls", 0, null),
        new(449, "sni", VariableSize, MultiaddressValueCodec.DomainName),
        new(454, "noise", 0, null),
        new(460, "quic", 0, null),
        new(461, "quic-v1", 0, null),
        new(465, "webtransport", 0, null),
        new(466, "certhash", VariableSize, MultiaddressValueCodec.CertHash),
        new(477, "ws", 0, null),
        new(478, "wss", 0, null),
        new(480, "http", 0, null),
    ];

    private static readonly FrozenDictionary<int, MultiaddressProtocol> ByCode = All.ToFrozenDictionary(p => p.Code);

    // "ipfs" is the legacy name of p2p: accepted when parsing, never printed.
    private static readonly FrozenDictionary<string, MultiaddressProtocol> ByName =
        All.Select(p => KeyValuePair.Create(p.Name, p))
            .Append(KeyValuePair.Create("ipfs", ByCode[421]))
            .ToFrozenDictionary(StringComparer.Ordinal);

    private MultiaddressProtocol(int code, string name, int sizeInBits, MultiaddressValueCodec? codec)
    {
        Code = code;
        Name = name;
        SizeInBits = sizeInBits;
        Codec = codec;
    }

    public static MultiaddressProtocol Ip4 => ByCode[4];
    public static MultiaddressProtocol Tcp => ByCode[6];
    public static MultiaddressProtocol Ip6 => ByCode[41];
    public static MultiaddressProtocol Ip6Zone => ByCode[42];
    public static MultiaddressProtocol Dns => ByCode[53];
    public static MultiaddressProtocol Dns4 => ByCode[54];
    public static MultiaddressProtocol Dns6 => ByCode[55];
    public static MultiaddressProtocol P2p => ByCode[421];

    /// <summary>The multicodec code, as written (varint) in the binary form.</summary>
    public int Code { get; }

    /// <summary>The canonical text name.</summary>
    public string Name { get; }

    /// <summary>0 for protocols without a value, a fixed bit size, or <see cref="VariableSize"/>.</summary>
    public int SizeInBits { get; }

    public bool HasValue => SizeInBits != 0;

    internal MultiaddressValueCodec? Codec { get; }

    public static IReadOnlyCollection<MultiaddressProtocol> Known { get; } = Array.AsReadOnly(All);

    public static MultiaddressProtocol? FromCode(ulong code) =>
        code <= int.MaxValue && ByCode.TryGetValue((int)code, out var protocol) ? protocol : null;

    public static MultiaddressProtocol? FromName(string name) => ByName.GetValueOrDefault(name);

    public override string ToString() => Name;
}
