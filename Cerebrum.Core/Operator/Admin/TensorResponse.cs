using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Operator.Admin;

/// <summary>A declared model input or output in KServe v2 terms: datatype "FP32", "INT64", …; shape with -1 for a dynamic dimension.</summary>
public sealed record TensorResponse(string Name, string Datatype, IReadOnlyList<long> Shape)
{
    public static TensorResponse Of(TensorSignature tensor) => new(tensor.Name, TensorDataTypes.ToKServeName(tensor.DataType), tensor.Dimensions);
}
