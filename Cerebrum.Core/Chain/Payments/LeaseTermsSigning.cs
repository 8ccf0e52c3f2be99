using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Payments;

/// <summary>The node's countersignature over a lease's terms, domain-separated and bound to the chain id.</summary>
public static class LeaseTermsSigning
{
    /// <summary>The bytes the node signs; see chain.proto's LeaseTerms.</summary>
    /// <exception cref="ArgumentException">A peer ID field longer than 255 bytes.</exception>
    public static byte[] SignBytes(string chainId, LeaseTerms terms)
    {
        var writer = new SignBytesWriter("cerebrum-lease:").Short(chainId).Short(terms.Tenant.Span).Short(terms.Node.Span)
            .UInt32(terms.Hours).UInt64(terms.PricePerHour).UInt64(terms.Sequence).Int64(terms.ExpiresUnixMs).UInt32((uint)terms.Delegates.Count);
        foreach (var delegated in terms.Delegates) writer.Short(delegated.Span);
        return writer.ToArray();
    }

    public static byte[] Sign(PrivateKey node, string chainId, LeaseTerms terms) => node.Sign(SignBytes(chainId, terms));

    /// <summary>True when <paramref name="signature"/> is <paramref name="node"/>'s over the terms on this chain.</summary>
    public static bool Verify(string chainId, LeaseTerms terms, ReadOnlySpan<byte> signature, PublicKey node) =>
        terms.Tenant.Length <= byte.MaxValue && terms.Node.Length <= byte.MaxValue && terms.Delegates.All(d => d.Length <= byte.MaxValue) &&
        !signature.IsEmpty && node.Verify(SignBytes(chainId, terms), signature);

    public static LeaseTerms Terms(PeerId tenant, PeerId node, uint hours, ulong pricePerHour, ulong sequence, long expiresUnixMs, IEnumerable<PeerId>? delegates = null)
    {
        var terms = new LeaseTerms
        {
            Tenant = ByteString.CopyFrom(tenant.Bytes.Span),
            Node = ByteString.CopyFrom(node.Bytes.Span),
            Hours = hours,
            PricePerHour = pricePerHour,
            Sequence = sequence,
            ExpiresUnixMs = expiresUnixMs,
        };
        terms.Delegates.AddRange((delegates ?? []).Select(d => ByteString.CopyFrom(d.Bytes.Span)));
        return terms;
    }
}
