using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// The admin API's secret: 32 random bytes as hex, fresh each start, stored owner-only in <c>DIR/.cookie</c>
/// (bitcoind's cookie authentication). Whoever can read the file may administer the daemon.
/// </summary>
public sealed class AdminCookie
{
    private readonly byte[] _valueBytes;

    private AdminCookie(string value)
    {
        Value = value;
        _valueBytes = Encoding.ASCII.GetBytes(value);
    }

    public string Value { get; }

    public static AdminCookie Generate() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Replaces a stale cookie left by a crashed run; the new file is owner-only from its creation.</summary>
    public void WriteTo(string path)
    {
        File.Delete(path);
        KeyFile.WriteNewOwnerOnly(path, _valueBytes);
    }

    /// <summary>Constant-time comparison, so response timing reveals nothing about the cookie.</summary>
    public bool Matches(ReadOnlySpan<char> presented)
    {
        if (presented.Length != _valueBytes.Length)
            return false;
        Span<byte> bytes = stackalloc byte[_valueBytes.Length];
        for (var i = 0; i < presented.Length; i++)
            bytes[i] = presented[i] < 128 ? (byte)presented[i] : (byte)0;
        return CryptographicOperations.FixedTimeEquals(bytes, _valueBytes);
    }
}
