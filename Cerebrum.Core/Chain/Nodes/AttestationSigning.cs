using System.Text;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>A validator's signature over an attestation: over "cerebrum-attestation/1" || the attestation's exact bytes.</summary>
public static class AttestationSigning
{
    /// <summary>Largest SignedAttestation encoding accepted anywhere (gossip, transactions).</summary>
    public const int MaxEncodedBytes = 2048;

    public const int MaxDetailBytes = 200;

    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("cerebrum-attestation/1");

    public static SignedAttestation Sign(PrivateKey validator, Attestation attestation)
    {
        var bytes = attestation.ToByteArray();
        return new SignedAttestation { Attestation = ByteString.CopyFrom(bytes), Signature = ByteString.CopyFrom(validator.Sign([.. Domain, .. bytes])) };
    }

    /// <summary>
    /// Decodes the attestation and checks the signature by the key of its validator field; on failure, says why.
    /// Never throws.
    /// </summary>
    public static bool TryOpen(SignedAttestation signed, out Attestation attestation, out PeerId validator, out string? error)
    {
        attestation = new Attestation();
        validator = null!;
        if (signed.CalculateSize() > MaxEncodedBytes) return Fail($"a signed attestation is at most {MaxEncodedBytes} bytes", out error);
        try
        {
            attestation = Attestation.Parser.ParseFrom(signed.Attestation);
            validator = PeerId.FromBytes(attestation.Validator.Span);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or InvalidDataException or ArgumentException)
        {
            return Fail($"not an attestation: {e.Message}", out error);
        }
        if (validator.TryGetPublicKey() is not { } key) return Fail("the validator's peer ID does not carry its key", out error);
        if (!key.Verify([.. Domain, .. signed.Attestation.Span], signed.Signature.Span)) return Fail("the attestation's signature is not its validator's", out error);
        error = null;
        return true;
    }

    /// <summary><paramref name="detail"/> cut to at most <see cref="MaxDetailBytes"/> bytes of UTF-8 (at a character boundary).</summary>
    public static string TruncateDetail(string detail)
    {
        if (Encoding.UTF8.GetByteCount(detail) <= MaxDetailBytes) return detail;
        var length = detail.Length;
        while (length > 0 && Encoding.UTF8.GetByteCount(detail.AsSpan(0, length)) > MaxDetailBytes - 3) length--;
        if (length > 0 && char.IsHighSurrogate(detail[length - 1])) length--;
        return detail[..length] + "…";
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
