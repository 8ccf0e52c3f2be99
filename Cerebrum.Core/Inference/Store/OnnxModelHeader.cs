using Google.Protobuf;

namespace Cerebrum.Core.Inference.Store;

/// <summary>
/// The top of an ONNX ModelProto: IR version, whether a graph is present, and the operator sets imported.
/// Read field by field so that a file can be judged "not an ONNX model" cheaply, before ONNX Runtime sees it.
/// </summary>
internal sealed record OnnxModelHeader(long IrVersion, long DefaultOpset, IReadOnlyDictionary<string, long> Opsets)
{
    // ModelProto field numbers (onnx.proto): ir_version = 1, graph = 7, opset_import = 8.
    private const int IrVersionField = 1;
    private const int GraphField = 7;
    private const int OpsetImportField = 8;

    // OperatorSetIdProto: domain = 1, version = 2.
    private const int OpsetDomainField = 1;
    private const int OpsetVersionField = 2;

    /// <summary>Reads the header; throws <see cref="InvalidDataException"/> with the reason when the bytes are not an ONNX model.</summary>
    public static OnnxModelHeader Read(Stream stream)
    {
        long irVersion = 0;
        var hasGraph = false;
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            var input = new CodedInputStream(stream, leaveOpen: true);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                var field = WireFormat.GetTagFieldNumber(tag);
                var wireType = WireFormat.GetTagWireType(tag);
                if (field == IrVersionField && wireType == WireFormat.WireType.Varint)
                    irVersion = input.ReadInt64();
                else if (field == GraphField && wireType == WireFormat.WireType.LengthDelimited)
                {
                    hasGraph = true;
                    input.SkipLastField();
                }
                else if (field == OpsetImportField && wireType == WireFormat.WireType.LengthDelimited)
                {
                    var (domain, version) = ReadOpset(input.ReadBytes());
                    opsets[domain] = version;
                }
                else
                    input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"not a valid ONNX model (not a protobuf ModelProto: {e.Message})", e);
        }
        if (irVersion <= 0) throw new InvalidDataException("not a valid ONNX model (no ir_version)");
        if (!hasGraph) throw new InvalidDataException("not a valid ONNX model (no graph)");
        if (opsets.Count == 0) throw new InvalidDataException("not a valid ONNX model (no opset_import)");
        var defaultOpset = opsets.GetValueOrDefault("", opsets.GetValueOrDefault("ai.onnx", 0));
        return new OnnxModelHeader(irVersion, defaultOpset, opsets);
    }

    private static (string Domain, long Version) ReadOpset(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var domain = "";
        long version = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case OpsetDomainField when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    domain = input.ReadString();
                    break;
                case OpsetVersionField when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    version = input.ReadInt64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return (domain, version);
    }
}
