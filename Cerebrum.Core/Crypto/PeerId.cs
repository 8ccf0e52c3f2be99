using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Crypto;

/// <summary>
/// A libp2p peer ID: the multihash of a public key's protobuf encoding (identity multihash when that encoding is
/// at most 42 bytes, sha2-256 otherwise). Text form is base58btc; CIDv1 (libp2p-key codec) in base32 is also parsed.
/// </summary>
public sealed class PeerId : IEquatable<PeerId>
{
    private const int MaxInlineKeyLength = 42;
    private const ulong LibP2pKeyCodec = 0x72;
    private readonly byte[] _bytes;
    private string? _text;

    private PeerId(byte[] bytes) => _bytes = bytes;

    /// <summary>The multihash bytes, as carried in multiaddrs and on the wire.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public static PeerId FromPublicKey(PublicKey key)
    {
        var encoded = key.ToProtobuf();
        return new PeerId(encoded.Length <= MaxInlineKeyLength ? Multihash.IdentityOf(encoded) : Multihash.Sha256(encoded));
    }

    /// <summary>Validates and wraps multihash bytes.</summary>
    public static PeerId FromBytes(ReadOnlySpan<byte> multihash)
    {
        var copy = multihash.ToArray();
        var (code, _) = Multihash.Decode(copy);
        if (code != Multihash.Identity && code != Multihash.Sha2_256)
            throw new FormatException($"peer ID uses unsupported multihash code 0x{code:x}");
        return new PeerId(copy);
    }

    /// <summary>Parses base58btc text (Qm…, 12D3Koo…, 16Uiu2…) or a CIDv1 with the libp2p-key codec (multibase 'b').</summary>
    public static PeerId Parse(string text)
    {
        if (!TryParse(text, out var id, out var error))
            throw new FormatException(error);
        return id;
    }

    public static bool TryParse(string? text, out PeerId id, out string? error)
    {
        id = null!;
        if (string.IsNullOrEmpty(text)) { error = "empty peer ID"; return false; }
        try
        {
            if (text[0] is '1' or 'Q')
            {
                if (!Base58.TryDecode(text, out var bytes, out error))
                {
                    error = $"invalid peer ID '{text}': {error}";
                    return false;
                }
                id = FromBytes(bytes);
            }
            else if (text[0] == 'b' || text[0] == 'B')
            {
                var cid = Base32.Decode(text.AsSpan(1));
                var version = Varint.Read(cid, out var a);
                if (version != 1) throw new FormatException($"CID version {version} is not 1");
                var codec = Varint.Read(cid.AsSpan(a), out var b);
                if (codec != LibP2pKeyCodec) throw new FormatException($"CID codec 0x{codec:x} is not libp2p-key (0x72)");
                id = FromBytes(cid.AsSpan(a + b));
            }
            else
            {
                error = $"invalid peer ID '{text}': expected base58btc text or a base32 CIDv1";
                return false;
            }
        }
        catch (FormatException e)
        {
            error = $"invalid peer ID '{text}': {e.Message}";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>The public key, when it is inlined in an identity multihash.</summary>
    public PublicKey? TryGetPublicKey()
    {
        var (code, digest) = Multihash.Decode(_bytes);
        return code == Multihash.Identity ? PublicKey.FromProtobuf(digest.Span) : null;
    }

    /// <summary>True when <paramref name="key"/> is the key this ID was derived from.</summary>
    public bool Matches(PublicKey key) => Equals(FromPublicKey(key));

    public string ToCidString()
    {
        var body = new byte[2 + _bytes.Length];
        body[0] = 0x01;
        body[1] = (byte)LibP2pKeyCodec;
        _bytes.CopyTo(body, 2);
        return "b" + Base32.Encode(body);
    }

    public override string ToString() => _text ??= Base58.Encode(_bytes);

    public bool Equals(PeerId? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as PeerId);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(PeerId? a, PeerId? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(PeerId? a, PeerId? b) => !(a == b);
}
