using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>Converts between <see cref="Tensor"/> and <see cref="WireTensor"/>.</summary>
public static class WireTensors
{
    /// <summary>A wire tensor with its own copy of the elements.</summary>
    public static WireTensor ToWire(Tensor tensor) => Create(tensor, ByteString.CopyFrom(tensor.Data.Span));

    /// <summary>
    /// A wire tensor that shares <paramref name="tensor"/>'s element bytes instead of copying them, for tensors whose
    /// bytes nobody changes while the message is in use (the engine's outputs are fresh arrays, never reused).
    /// </summary>
    public static WireTensor Wrap(Tensor tensor) => Create(tensor, UnsafeByteOperations.UnsafeWrap(tensor.Data));

    /// <summary>A tensor over the wire tensor's bytes (no copy).</summary>
    /// <exception cref="InferenceException">BadInput for an element type this layer does not carry.</exception>
    public static Tensor FromWire(WireTensor wire)
    {
        var type = TensorDataTypes.FromOnnx(wire.Dtype)
            ?? throw new InferenceException(InferenceErrorCode.BadInput, $"tensor '{wire.Name}' has unsupported element type {wire.Dtype}");
        return new Tensor(wire.Name, type, wire.Shape.ToArray(), wire.Data.Memory);
    }

    private static WireTensor Create(Tensor tensor, ByteString data)
    {
        var wire = new WireTensor { Name = tensor.Name, Dtype = (int)tensor.DataType, Data = data };
        wire.Shape.AddRange(tensor.Shape);
        return wire;
    }
}
