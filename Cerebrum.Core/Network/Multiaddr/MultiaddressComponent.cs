using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Multiaddr;

/// <summary>One <c>/protocol[/value]</c> part of a multiaddr, holding both the text and the binary value.</summary>
public sealed class MultiaddressComponent
{
    private readonly byte[] _valueBytes;

    internal MultiaddressComponent(MultiaddressProtocol protocol, string? value, byte[] valueBytes)
    {
        Protocol = protocol;
        Value = value;
        _valueBytes = valueBytes;
    }

    public MultiaddressProtocol Protocol { get; }

    public int Code => Protocol.Code;

    public string Name => Protocol.Name;

    /// <summary>The value in canonical text form; null for protocols without a value.</summary>
    public string? Value { get; }

    /// <summary>The value as carried in the binary form, without any length prefix; empty for protocols without a value.</summary>
    public ReadOnlyMemory<byte> ValueBytes => _valueBytes;

    /// <summary>Builds a component from its text value (null for protocols without one), validating it.</summary>
    /// <exception cref="FormatException">The value is missing, unexpected or malformed.</exception>
    public static MultiaddressComponent Create(MultiaddressProtocol protocol, string? value)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (protocol.Codec is null)
        {
            if (value is not null)
                throw new FormatException($"/{protocol.Name} takes no value");
            return new MultiaddressComponent(protocol, null, []);
        }
        if (value is null)
            throw new FormatException($"/{protocol.Name} needs a value");
        byte[] bytes;
        try
        {
            bytes = protocol.Codec.Parse(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"/{protocol.Name}: {e.Message}", e);
        }
        // Round through the binary form so the text is canonical (e.g. /ipfs CIDs print as base58 /p2p).
        return new MultiaddressComponent(protocol, protocol.Codec.Format(bytes), bytes);
    }

    internal int EncodedLength
    {
        get
        {
            var length = Varint.GetLength((ulong)Code) + _valueBytes.Length;
            if (Protocol.SizeInBits == MultiaddressProtocol.VariableSize)
                length += Varint.GetLength((ulong)_valueBytes.Length);
            return length;
        }
    }

    internal int WriteTo(Span<byte> destination)
    {
        var n = Varint.Write((ulong)Code, destination);
        if (Protocol.SizeInBits == MultiaddressProtocol.VariableSize)
            n += Varint.Write((ulong)_valueBytes.Length, destination[n..]);
        _valueBytes.CopyTo(destination[n..]);
        return n + _valueBytes.Length;
    }

    public override string ToString() => Value is null ? "/" + Name : "/" + Name + "/" + Value;
}
