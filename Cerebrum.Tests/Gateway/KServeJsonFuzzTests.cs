using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// KServe v2 request bodies from HTTP clients: <see cref="KServeJson.ParseRequest"/> yields tensors whose byte size
/// matches their shape, or throws a one-line <see cref="FormatException"/>; nothing else.
/// </summary>
public class KServeJsonFuzzTests
{
    private static readonly string[] Valid =
    [
        """{"id":"r1","inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[1,2.5,-3]},{"name":"b","shape":[2],"datatype":"INT64","data":[[7],[8]]}],"outputs":[{"name":"c"}]}""",
        """{"name":"x","shape":[2,2],"datatype":"BOOL","data":[true,false,1,0]}""",
        """{"inputs":[{"name":"h","shape":[3],"datatype":"FP16","data":[0.5,1,65504]},{"name":"u","shape":[1],"datatype":"UINT8","data":[255]}]}""",
    ];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void ParseRequest_YieldsConsistentTensorsOrThrowsFormatException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var text = mutator.MutateText(Valid[mutator.Random.Next(Valid.Length)]);
            KServeInferRequest? request = null;
            if (!Fuzz.CheckBounded("KServeJson.ParseRequest", seed, System.Text.Encoding.UTF8.GetBytes(text), () => request = KServeJson.ParseRequest(text), typeof(FormatException)))
                continue;
            foreach (var tensor in request!.Inputs)
                Assert.That(tensor.Data.Length, Is.EqualTo(Tensor.CountElements(tensor.Shape) * TensorDataTypes.SizeOf(tensor.DataType)), $"seed {seed}: {text}");
        }
    }

    [TestCase("""{"name":"\ud800","shape":[1],"datatype":"FP32","data":[1]}""")]
    [TestCase("""{"id":"\udc00","inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]}]}""")]
    [TestCase("""{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]}],"outputs":[{"name":"\ud800"}]}""")]
    [TestCase("""{"name":"a","shape":[1],"datatype":"\ud800","data":[1]}""")]
    [TestCase("""{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]}],"outputs":[{"\ud800":"c"}]}""")]
    public void LoneSurrogateEscapes_AreFormatErrors(string json)
    {
        var error = Assert.Throws<FormatException>(() => KServeJson.ParseRequest(json));
        Assert.That(error!.Message, Does.Contain("not valid UTF-16"));
    }

    [Test]
    public void LoneSurrogateCharacter_IsNotValidJson()
    {
        var error = Assert.Throws<FormatException>(() => KServeJson.ParseRequest("{\"name\":\"\uD800\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}"));
        Assert.That(error!.Message, Does.Contain("not valid JSON"));
    }
}
