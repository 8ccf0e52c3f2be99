namespace Cerebrum.Core.Network.NameResolution;

/// <summary>The DNS record types the client reads (RFC 1035, RFC 3596, RFC 6891).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    Cname = 5,
    Txt = 16,
    Aaaa = 28,
    Opt = 41,
}
