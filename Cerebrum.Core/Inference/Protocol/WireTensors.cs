using Cerebrum.Core.Inference.Protocol.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>Converts between <see cref="Tensor"/> and <see cref="WireTensor"/>.</summary>
public static class WireTensors
{
    public static WireTensor ToWire(Tensor tensor)
    {
        var wire = new WireTensor { Name = tensor.Name, Dtype = (int)tensor.DataType, Data = ByteString.CopyFrom(tensor.Data.Span) };
        wire.Shape.AddRange(tensor.Shape);
        return wire;
    }

    /// <exception cref="InferenceException">BadInput for an element type this layer does not carry.</exception>
    public static Tensor FromWire(WireTensor wire)
    {
        var type = TensorDataTypes.FromOnnx(wire.Dtype)
            ?? throw new InferenceException(InferenceErrorCode.BadInput, $"tensor '{wire.Name}' has unsupported element type {wire.Dtype}");
        return new Tensor(wire.Name, type, wire.Shape.ToArray(), wire.Data.Memory);
    }
}
