using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.NameResolution;

/// <summary>DNS answers come from the network (any host can send a datagram): decoding returns a response or a <see cref="FormatException"/>, never loops.</summary>
public sealed class DnsMessageFuzzTests
{
    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Responses_DecodeOrAFormatException(int seed)
    {
        // A TXT answer and an answer whose name points back at the question, as servers compress them.
        var question = DnsMessage.EncodeQuery(0x1234, "_dnsaddr.a.test", DnsRecordType.Txt)[..^11];
        byte[] txt = [.. question[..2], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, .. question[12..], 0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o'];
        byte[] cname = [.. question[..2], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, .. question[12..], 0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 0x0C];
        var decoded = DnsMessage.Decode(txt);
        Assert.That(decoded.Answers.Single().Data, Is.EqualTo("hello"));
        Assert.That(DnsMessage.Decode(cname).Answers.Single().Data, Is.EqualTo("_dnsaddr.a.test"));
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var input = mutator.Next([txt, cname], 200);
            Fuzz.CheckBounded("DnsMessage.Decode", seed, input, () => DnsMessage.Decode(input), typeof(FormatException));
        }
    }
}
