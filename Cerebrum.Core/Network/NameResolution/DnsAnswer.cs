namespace Cerebrum.Core.Network.NameResolution;

/// <summary>One answer record: owner name, type, TTL and its data (TXT: the strings joined; CNAME: the name; A/AAAA: the address text).</summary>
public sealed record DnsAnswer(string Name, DnsRecordType Type, TimeSpan TimeToLive, string Data);
