namespace Cerebrum.Core.Inference.Tensors;

/// <summary>Element type of a tensor. Values are ONNX's TensorProto.DataType numbers so they map 1:1 onto models and the wire.</summary>
public enum TensorDataType
{
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}
