using System.Globalization;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// The DHT key under which nodes announce a model: the sha2-256 multihash of the model file (0x12 0x20 then the digest),
/// the same key IPFS uses for content with that hash, since a model is named by the SHA-256 of its bytes.
/// </summary>
public static class ModelProviderKey
{
    private const string Prefix = "sha256:";

    /// <summary>The key of <paramref name="modelHash"/> (<c>sha256:</c> and 64 hex digits).</summary>
    /// <exception cref="FormatException">Not a model hash.</exception>
    public static byte[] For(string modelHash)
    {
        ArgumentNullException.ThrowIfNull(modelHash);
        if (!modelHash.StartsWith(Prefix, StringComparison.Ordinal) || modelHash.Length != Prefix.Length + 64)
            throw new FormatException($"'{modelHash}' is not a model hash (sha256: and 64 hex digits)");
        var digest = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            if (!byte.TryParse(modelHash.AsSpan(Prefix.Length + 2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out digest[i]))
                throw new FormatException($"'{modelHash}' is not a model hash (sha256: and 64 hex digits)");
        }
        return [0x12, 0x20, .. digest];
    }

    /// <summary>The model hash a provider key names, or null when it is not a sha2-256 multihash.</summary>
    public static string? ModelHashOf(ReadOnlySpan<byte> key)
    {
        if (key.Length != 34 || key[0] != 0x12 || key[1] != 0x20)
            return null;
        return Prefix + Convert.ToHexStringLower(key[2..]);
    }

    /// <summary>True when <paramref name="key"/> is a well-formed multihash, as provider keys must be.</summary>
    public static bool IsValidProviderKey(ReadOnlySpan<byte> key)
    {
        try
        {
            var (_, digest) = Multihash.Decode(key.ToArray());
            return digest.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
