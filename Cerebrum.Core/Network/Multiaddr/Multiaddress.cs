using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Multiaddr;

/// <summary>
/// A multiaddr (multiformats/multiaddr): a sequence of protocol components with a text form
/// (<c>/ip4/1.2.3.4/tcp/4001/p2p/12D3Koo…</c>) and a binary form (varint code, then the value). Immutable;
/// equality is by binary form, so <c>/ipfs/…</c> and <c>/p2p/…</c> spellings of one address are equal.
/// </summary>
public sealed class Multiaddress : IEquatable<Multiaddress>
{
    private readonly MultiaddressComponent[] _components;
    private readonly byte[] _bytes;
    private string? _text;

    private Multiaddress(MultiaddressComponent[] components)
    {
        _components = components;
        _bytes = new byte[components.Sum(c => c.EncodedLength)];
        var offset = 0;
        foreach (var component in components)
            offset += component.WriteTo(_bytes.AsSpan(offset));
    }

    public IReadOnlyList<MultiaddressComponent> Components => _components;

    /// <summary>The peer ID of a trailing <c>/p2p</c> component, if any.</summary>
    public PeerId? PeerId =>
        _components[^1].Protocol == MultiaddressProtocol.P2p ? PeerId.FromBytes(_components[^1].ValueBytes.Span) : null;

    /// <exception cref="FormatException">The text is not a valid multiaddr; the message names the offending part.</exception>
    public static Multiaddress Parse(string text)
    {
        if (!TryParse(text, out var addr, out var error))
            throw new FormatException(error);
        return addr;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Multiaddress? addr, [NotNullWhen(false)] out string? error)
    {
        addr = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "invalid multiaddr: empty string";
            return false;
        }
        if (text[0] != '/')
        {
            error = $"invalid multiaddr '{text}': must start with '/'";
            return false;
        }
        // One trailing '/' is tolerated, as go-multiaddr and js-multiaddr do.
        var parts = text[1..].Split('/');
        var count = parts.Length > 1 && parts[^1].Length == 0 ? parts.Length - 1 : parts.Length;
        var components = new List<MultiaddressComponent>();
        for (var i = 0; i < count; i++)
        {
            var name = parts[i];
            if (name.Length == 0)
            {
                error = $"invalid multiaddr '{text}': empty protocol name (component {components.Count + 1})";
                return false;
            }
            var protocol = MultiaddressProtocol.FromName(name);
            if (protocol is null)
            {
                error = $"invalid multiaddr '{text}': unknown protocol '{name}'";
                return false;
            }
            string? value = null;
            if (protocol.HasValue)
            {
                if (i + 1 >= count)
                {
                    error = $"invalid multiaddr '{text}': /{name} needs a value";
                    return false;
                }
                value = parts[++i];
            }
            try
            {
                components.Add(MultiaddressComponent.Create(protocol, value));
            }
            catch (FormatException e)
            {
                error = $"invalid multiaddr '{text}': {e.Message}";
                return false;
            }
        }
        addr = new Multiaddress([.. components]);
        error = null;
        return true;
    }

    /// <exception cref="FormatException">Unknown protocol code, truncated or malformed value, or empty input.</exception>
    public static Multiaddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            throw new FormatException("invalid multiaddr bytes: empty");
        var components = new List<MultiaddressComponent>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var start = offset;
            var code = ReadVarint(bytes, ref offset, "protocol code");
            var protocol = MultiaddressProtocol.FromCode(code)
                ?? throw Invalid(start, $"unknown protocol code {code}");
            int length;
            if (protocol.SizeInBits == MultiaddressProtocol.VariableSize)
            {
                var declared = ReadVarint(bytes, ref offset, $"/{protocol.Name} value length");
                if (declared > (ulong)(bytes.Length - offset))
                    throw Invalid(start, $"/{protocol.Name} declares a {declared}-byte value but only {bytes.Length - offset} bytes remain");
                length = (int)declared;
            }
            else
            {
                length = protocol.SizeInBits / 8;
                if (length > bytes.Length - offset)
                    throw Invalid(start, $"/{protocol.Name} needs a {length}-byte value but only {bytes.Length - offset} bytes remain");
            }
            var value = bytes.Slice(offset, length).ToArray();
            offset += length;
            string? text = null;
            if (protocol.Codec is not null)
            {
                try
                {
                    text = protocol.Codec.Format(value);
                }
                catch (FormatException e)
                {
                    throw Invalid(start, $"/{protocol.Name}: {e.Message}");
                }
            }
            components.Add(new MultiaddressComponent(protocol, text, value));
        }
        return new Multiaddress([.. components]);
    }

    public byte[] ToBytes() => (byte[])_bytes.Clone();

    public override string ToString() => _text ??= string.Concat(_components.Select(c => c.ToString()));

    /// <summary>This address without a trailing <c>/p2p</c> component (the same instance when there is none).</summary>
    /// <exception cref="InvalidOperationException">The address is nothing but a <c>/p2p</c> component.</exception>
    public Multiaddress WithoutPeerId()
    {
        if (_components[^1].Protocol != MultiaddressProtocol.P2p)
            return this;
        if (_components.Length == 1)
            throw new InvalidOperationException($"'{this}' has nothing left once its /p2p component is removed");
        return new Multiaddress(_components[..^1]);
    }

    /// <summary>This address ending in <c>/p2p/&lt;id&gt;</c>, replacing any trailing <c>/p2p</c> already present.</summary>
    public Multiaddress WithPeerId(PeerId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var head = _components[^1].Protocol == MultiaddressProtocol.P2p ? _components[..^1] : _components;
        var bytes = id.Bytes.ToArray();
        return new Multiaddress([.. head, new MultiaddressComponent(MultiaddressProtocol.P2p, id.ToString(), bytes)]);
    }

    /// <summary><c>/ip4/a.b.c.d/tcp/N</c> or <c>/ip6/…/tcp/N</c> (with <c>/ip6zone</c> for scoped addresses).</summary>
    public static Multiaddress FromEndPoint(IPEndPoint ep)
    {
        ArgumentNullException.ThrowIfNull(ep);
        var address = ep.Address;
        // Dual-mode sockets report IPv4 peers as ::ffff:a.b.c.d; other peers know them by their IPv4 address.
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var components = new List<MultiaddressComponent>(3);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            components.Add(MultiaddressComponent.Create(MultiaddressProtocol.Ip4, address.ToString()));
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.ScopeId != 0)
            {
                components.Add(MultiaddressComponent.Create(MultiaddressProtocol.Ip6Zone,
                    address.ScopeId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                address = new IPAddress(address.GetAddressBytes());
            }
            components.Add(MultiaddressComponent.Create(MultiaddressProtocol.Ip6, address.ToString()));
        }
        else
        {
            throw new ArgumentException($"unsupported address family {address.AddressFamily}", nameof(ep));
        }
        components.Add(MultiaddressComponent.Create(MultiaddressProtocol.Tcp, ep.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new Multiaddress([.. components]);
    }

    /// <summary>
    /// Extracts what a TCP dialer needs from <c>[/ip6zone/z]/ip4|ip6|dns|dns4|dns6/host/tcp/N[/p2p/id]</c>.
    /// <paramref name="family"/> is <see cref="AddressFamily.Unspecified"/> for <c>/dns</c>; a zone is appended to the
    /// host as <c>addr%zone</c>. Any other shape (e.g. <c>/ws</c>, <c>/p2p-circuit</c>, <c>/dnsaddr</c>) returns false.
    /// </summary>
    public bool TryGetTcpEndpoint(out string host, out int port, out AddressFamily family, out bool isDns)
    {
        host = string.Empty;
        port = 0;
        family = AddressFamily.Unspecified;
        isDns = false;
        var parts = _components.AsSpan();
        if (parts[^1].Protocol == MultiaddressProtocol.P2p)
            parts = parts[..^1];
        string? zone = null;
        if (parts.Length == 3 && parts[0].Protocol == MultiaddressProtocol.Ip6Zone && parts[1].Protocol == MultiaddressProtocol.Ip6)
        {
            zone = parts[0].Value;
            parts = parts[1..];
        }
        if (parts.Length != 2 || parts[1].Protocol != MultiaddressProtocol.Tcp)
            return false;
        var hostPart = parts[0];
        if (hostPart.Protocol == MultiaddressProtocol.Ip4)
            family = AddressFamily.InterNetwork;
        else if (hostPart.Protocol == MultiaddressProtocol.Ip6)
            family = AddressFamily.InterNetworkV6;
        else if (hostPart.Protocol == MultiaddressProtocol.Dns)
            (family, isDns) = (AddressFamily.Unspecified, true);
        else if (hostPart.Protocol == MultiaddressProtocol.Dns4)
            (family, isDns) = (AddressFamily.InterNetwork, true);
        else if (hostPart.Protocol == MultiaddressProtocol.Dns6)
            (family, isDns) = (AddressFamily.InterNetworkV6, true);
        else
            return false;
        host = zone is null ? hostPart.Value! : hostPart.Value + "%" + zone;
        port = (parts[1].ValueBytes.Span[0] << 8) | parts[1].ValueBytes.Span[1];
        return true;
    }

    public bool Equals(Multiaddress? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Multiaddress);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(Multiaddress? a, Multiaddress? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Multiaddress? a, Multiaddress? b) => !(a == b);

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int offset, string what)
    {
        try
        {
            var value = Varint.Read(bytes[offset..], out var consumed);
            offset += consumed;
            return value;
        }
        catch (FormatException e)
        {
            throw Invalid(offset, $"bad {what} varint: {e.Message}");
        }
    }

    private static FormatException Invalid(int offset, string message) =>
        new($"invalid multiaddr bytes at offset {offset}: {message}");
}
