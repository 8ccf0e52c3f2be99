using Cerebrum.Core.Inference.Store;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Inference.Store;

/// <summary>
/// ONNX files as the node reads their position table at load (<see cref="OnnxPositionTable"/>): a length or null, or an
/// <see cref="InvalidDataException"/>; nothing else, and never a read past the file.
/// </summary>
public class OnnxPositionTableFuzzTests
{
    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void MaxPositions_AnswersOrThrowsInvalidData(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        byte[][] valid = [OnnxTestModels.AddFloat(), OnnxTestModels.MatMulFloat()];
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var input = mutator.Mutate(valid[mutator.Random.Next(valid.Length)]);
            Fuzz.CheckBounded("OnnxPositionTable.MaxPositions", seed, input, () => OnnxPositionTable.MaxPositions(new MemoryStream(input)), typeof(InvalidDataException));
        }
    }
}
