using System.Text;
using Cerebrum.Core.Gateway;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// The gateway's KServe parsing costs memory in proportion to the body (issue 13 item 3: one 16 MB body cost about
/// 300 MB), and data that does not fit its shape is refused before the tensor is allocated.
/// </summary>
[TestFixture]
public sealed class KServeJsonBudgetTests
{
    [Test]
    public void A16MegabyteBody_CostsAFewTimesItsSize()
    {
        // 8 Mi zeros as FP32: 16 MiB of JSON, 32 MiB of tensor (2 bytes of JSON per 4-byte value, the densest FP32 form).
        const int values = 8 << 20;
        var json = new StringBuilder(2 * values + 100).Append("""{"inputs":[{"name":"x","shape":[""").Append(values).Append("""],"datatype":"FP32","data":[""");
        json.Insert(json.Length, "0,", values - 1).Append("0]}]}");
        var body = Encoding.UTF8.GetBytes(json.ToString());
        json.Clear();
        var text = Encoding.UTF8.GetString(body);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var request = KServeJson.ParseRequest(text);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(request.Inputs.Single().Data.Length, Is.EqualTo(4L * values));
        // The tensor (2× the body) and one UTF-8 copy of the text (1×); a document parse held about 20× the body.
        Assert.That(allocated, Is.LessThan(4L * body.Length), $"{allocated:N0} bytes allocated for a {body.Length:N0}-byte body");
        before = GC.GetAllocatedBytesForCurrentThread();
        KServeJson.ParseRequest(body.AsSpan());
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(5L * body.Length / 2), "from bytes: the tensor and little else");
    }

    [Test]
    public void DataThatDoesNotFitItsShape_IsRefused_BeforeTheTensorIsAllocated()
    {
        var body = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[100000000],"datatype":"INT64","data":[1,2,3]}]}""");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<FormatException>(() => KServeJson.ParseRequest(body.AsSpan()));

        Assert.That(error!.Message, Is.EqualTo("input 'x': shape [100000000] needs 100000000 values, \"data\" has 3"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64 * 1024));
    }
}
