namespace Cerebrum.Core.Network.NameResolution;

/// <summary>A decoded DNS response: the id it answers, whether it was truncated, its RCODE, the question, and the answers we understand.</summary>
public sealed record DnsResponse(ushort Id, bool Truncated, int ResponseCode, string QuestionName, DnsRecordType QuestionType, IReadOnlyList<DnsAnswer> Answers)
{
    public const int NoError = 0;
    public const int ServerFailure = 2;
    public const int NameError = 3;
}
