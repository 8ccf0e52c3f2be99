using System.Security.Cryptography;

namespace Cerebrum.Core.Inference.Store;

/// <summary>Model identity: "sha256:" and the lower-case hex SHA-256 of the ONNX file's bytes.</summary>
public static class ModelHash
{
    public const string Prefix = "sha256:";

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    public static string FromDigest(ReadOnlySpan<byte> sha256) => Prefix + Convert.ToHexStringLower(sha256);

    public static string Compute(Stream stream) => FromDigest(SHA256.HashData(stream));

    public static string ComputeFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Compute(stream);
    }

    /// <summary>True for "sha256:" followed by exactly 64 hex digits (either case).</summary>
    public static bool IsValid(string text) =>
        text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
        && text.Length == Prefix.Length + 64
        && text.AsSpan(Prefix.Length).IndexOfAnyExcept(HexDigits) < 0;

    /// <summary>Canonical (lower-case) form of a valid hash.</summary>
    /// <exception cref="FormatException">Not a sha256:&lt;hex&gt; hash.</exception>
    public static string Normalize(string text) =>
        IsValid(text) ? text.ToLowerInvariant() : throw new FormatException($"'{text}' is not a model hash of the form sha256:<64 hex digits>");

    /// <summary>The store's file name stem for a hash: "sha256-&lt;hex&gt;" (no colon, which Windows forbids in names).</summary>
    public static string FileStem(string hash) => "sha256-" + Normalize(hash)[Prefix.Length..];
}
