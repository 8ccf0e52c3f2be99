using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Cli;

[TestFixture]
public sealed class KServeJsonTests
{
    [Test]
    public void NestedData_IsFlattenedRowMajor_InTheDatatypeOfTheTensor()
    {
        var tensors = KServeJson.ParseInputs("""{"inputs":[{"name":"x","shape":[2,2],"datatype":"INT64","data":[[1,2],[3,-4]]},{"name":"m","shape":[2],"datatype":"BOOL","data":[true,0]}]}""");

        Assert.That(tensors[0].DataType, Is.EqualTo(TensorDataType.Int64));
        Assert.That(tensors[0].ToInt64s(), Is.EqualTo(new long[] { 1, 2, 3, -4 }));
        Assert.That(tensors[1].Data.ToArray(), Is.EqualTo(new byte[] { 1, 0 }));
    }

    [Test]
    public void SingleTensorObject_IsAccepted_AndOutputsRoundTrip()
    {
        var tensor = KServeJson.ParseInputs("""{"name":"a","shape":[3],"datatype":"fp64","data":[0.5,1e3,-2]}""").Single();

        var printed = KServeJson.FormatOutputs("sha256:00", "job", [tensor]);

        Assert.That(printed, Is.EqualTo("""{"model_name":"sha256:00","id":"job","outputs":[{"name":"a","datatype":"FP64","shape":[3],"data":[0.5,1000,-2]}]}"""));
    }

    [TestCase("{not json", "--input is not valid JSON")]
    [TestCase("""{"name":"a","shape":[2],"datatype":"FP32","data":[1]}""", "input 'a': shape [2] needs 2 values, \"data\" has 1")]
    [TestCase("""{"name":"a","shape":[-1],"datatype":"FP32","data":[]}""", "input 'a': \"shape\" must be an array of non-negative integers")]
    [TestCase("""{"name":"a","shape":[1],"datatype":"BYTES","data":["x"]}""", "input 'a': unsupported datatype 'BYTES'")]
    [TestCase("""{"name":"a","shape":[1],"datatype":"UINT8","data":[300]}""", "input 'a': data[0] = 300 is not a valid UINT8 value")]
    [TestCase("""{"inputs":[]}""", "\"inputs\" must be a non-empty array")]
    public void BadInput_IsOneLineNamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => KServeJson.ParseInputs(json));

        Assert.That(error!.Message, Does.StartWith(expected));
        Assert.That(error.Message, Does.Not.Contain('\n'));
    }
}
