namespace Cerebrum.Core.Inference.Tensors;

/// <summary>
/// One declared input or output of a model. <see cref="Dimensions"/> holds -1 for a dynamic dimension, whose symbolic
/// name (e.g. "batch") is in <see cref="DimensionNames"/> at the same index ("" where none is declared).
/// </summary>
public sealed record TensorSignature(string Name, TensorDataType DataType, IReadOnlyList<long> Dimensions, IReadOnlyList<string> DimensionNames)
{
    public int Rank => Dimensions.Count;

    public bool IsDynamic(int axis) => Dimensions[axis] < 0;

    public override string ToString() =>
        $"{Name}: {DataType}[{string.Join(", ", Dimensions.Select((d, i) => d >= 0 ? d.ToString() : DimensionNames[i].Length > 0 ? DimensionNames[i] : "?"))}]";
}
