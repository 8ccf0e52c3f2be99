using Cerebrum.Core.Inference.Store;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Inference.Store;

/// <summary>The ONNX file header read before a model is admitted: a header, or <see cref="InvalidDataException"/> saying why not.</summary>
public class OnnxModelHeaderFuzzTests
{
    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Read_YieldsAHeaderOrThrowsInvalidDataException(int seed)
    {
        byte[][] valid = [OnnxTestModels.AddFloat(), OnnxTestModels.MatMulFloat(), OnnxTestModels.AddInt64Fixed()];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var input = mutator.Next(valid, 200);
            OnnxModelHeader? header = null;
            if (Fuzz.CheckBounded("OnnxModelHeader.Read", seed, input, () => header = OnnxModelHeader.Read(new MemoryStream(input)), typeof(InvalidDataException)))
                Assert.That(header!.IrVersion > 0 && header.Opsets.Count > 0, Is.True, $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }
}
