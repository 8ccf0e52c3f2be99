using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Tensors in the Open Inference Protocol (KServe v2) JSON form: <c>{"name","shape","datatype","data"}</c>, with
/// <c>data</c> flat or nested in row-major order. Requests are <c>{"inputs":[…]}</c> or one tensor object; responses are
/// <c>{"model_name","id","outputs":[…]}</c>. Every malformed input is a one-line <see cref="FormatException"/>.
/// </summary>
public static class KServeJson
{
    /// <param name="source">What the JSON came from, named in the "not valid JSON" message (e.g. "--input", "the request body").</param>
    /// <exception cref="FormatException">Bad JSON, an unknown datatype, a bad shape, or data that does not fit it.</exception>
    public static IReadOnlyList<Tensor> ParseInputs(string json, string source = "--input") => ParseRequest(json, source).Inputs;

    /// <summary>
    /// A KServe v2 inference request: <c>{"id"?, "parameters"?, "inputs":[…], "outputs"?:[{"name"}]}</c>, or (as the CLI
    /// accepts) one tensor object.
    /// </summary>
    /// <exception cref="FormatException">Bad JSON, an unknown datatype, a bad shape, or data that does not fit it.</exception>
    public static KServeInferRequest ParseRequest(string json, string source = "the request body")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        // ArgumentException: the string holds invalid UTF-16 (a lone surrogate), which cannot be JSON text.
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new FormatException($"{source} is not valid JSON: {e.Message}");
        }
        using (document)
        {
            try
            {
                return ParseRequest(document.RootElement, source);
            }
            catch (InvalidOperationException e)
            {
                // Escapes can spell lone surrogates ("\ud800"), which JsonElement refuses to read as a string or a property name.
                throw new FormatException($"{source} holds a string that is not valid UTF-16: {e.Message}");
            }
        }
    }

    private static KServeInferRequest ParseRequest(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{source} must be a JSON object: {{\"inputs\":[…]}} or one {{\"name\",\"shape\",\"datatype\",\"data\"}} tensor");
        if (!root.TryGetProperty("inputs", out var inputs))
            return new KServeInferRequest(null, [ParseTensor(root, "input")], null);
        if (inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
            throw new FormatException("\"inputs\" must be a non-empty array of tensors");
        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
            id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : throw new FormatException("\"id\" must be a string");
        List<string>? outputs = null;
        if (root.TryGetProperty("outputs", out var outputsElement))
        {
            if (outputsElement.ValueKind != JsonValueKind.Array)
                throw new FormatException("\"outputs\" must be an array of {\"name\"} objects");
            outputs = [.. outputsElement.EnumerateArray().Select((o, i) =>
                o.ValueKind == JsonValueKind.Object && o.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } name
                    ? name : throw new FormatException($"outputs[{i}]: \"name\" must be a non-empty string"))];
        }
        var tensors = inputs.EnumerateArray().Select((t, i) => ParseTensor(t, $"inputs[{i}]")).ToList();
        var duplicate = tensors.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FormatException($"input '{duplicate.Key}' is given more than once");
        return new KServeInferRequest(id, tensors, outputs);
    }

    public static Tensor ParseTensor(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{where} must be an object with name, shape, datatype and data");
        var name = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } s
            ? s : throw new FormatException($"{where}: \"name\" must be a non-empty string");
        where = $"input '{name}'";
        var datatypeText = element.TryGetProperty("datatype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : throw new FormatException($"{where}: \"datatype\" must be a string such as \"FP32\"");
        var type = TensorDataTypes.FromKServeName(datatypeText)
            ?? throw new FormatException($"{where}: unsupported datatype '{datatypeText}' (supported: {string.Join(", ", Enum.GetValues<TensorDataType>().Select(TensorDataTypes.ToKServeName))})");
        if (!element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{where}: \"shape\" must be an array of non-negative integers");
        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var value) || value < 0)
                throw new FormatException($"{where}: \"shape\" must be an array of non-negative integers");
            shape.Add(value);
        }
        var count = Tensor.CountElements(shape) is { } c and <= int.MaxValue ? (int)c : throw new FormatException($"{where}: shape [{string.Join(", ", shape)}] is too large");
        if (!element.TryGetProperty("data", out var dataElement))
            throw new FormatException($"{where}: \"data\" is missing");
        var values = new List<JsonElement>();
        Flatten(dataElement, values);
        if (values.Count != count)
            throw new FormatException($"{where}: shape [{string.Join(", ", shape)}] needs {count} values, \"data\" has {values.Count}");
        var size = TensorDataTypes.SizeOf(type);
        var bytes = new byte[count * size];
        for (var i = 0; i < values.Count; i++)
        {
            try
            {
                Encode(type, values[i], bytes.AsSpan(i * size, size));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
            {
                throw new FormatException($"{where}: data[{i}] = {values[i].GetRawText()} is not a valid {datatypeText.ToUpperInvariant()} value");
            }
        }
        return new Tensor(name, type, shape, bytes);
    }

    /// <summary>The response form: <c>{"model_name": hash, "id": job id, "outputs": [ … ]}</c>, data flat.</summary>
    public static string FormatOutputs(string modelHash, string jobId, IReadOnlyList<Tensor> outputs) =>
        Format(writer =>
        {
            writer.WriteString("model_name", modelHash);
            writer.WriteString("id", jobId);
            WriteTensors(writer, "outputs", outputs);
        });

    /// <summary>The request form: <c>{"inputs": [ … ]}</c>, data flat.</summary>
    public static string FormatInputs(IReadOnlyList<Tensor> inputs) => Format(writer => WriteTensors(writer, "inputs", inputs));

    private static string Format(Action<Utf8JsonWriter> writeProperties)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTensors(Utf8JsonWriter writer, string property, IReadOnlyList<Tensor> tensors)
    {
        writer.WriteStartArray(property);
        foreach (var tensor in tensors)
        {
            writer.WriteStartObject();
            writer.WriteString("name", tensor.Name);
            writer.WriteString("datatype", TensorDataTypes.ToKServeName(tensor.DataType));
            writer.WriteStartArray("shape");
            foreach (var dim in tensor.Shape) writer.WriteNumberValue(dim);
            writer.WriteEndArray();
            writer.WriteStartArray("data");
            WriteData(writer, tensor);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>One JSON array of numbers, shortest round-trip form.</summary>
    public static string FormatVector(IReadOnlyList<float> values) =>
        "[" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    private static void Flatten(JsonElement element, List<JsonElement> values)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) Flatten(item, values);
            return;
        }
        values.Add(element);
    }

    private static void Encode(TensorDataType type, JsonElement value, Span<byte> target)
    {
        if (type == TensorDataType.Bool)
        {
            target[0] = value.ValueKind switch
            {
                JsonValueKind.True => 1,
                JsonValueKind.False => 0,
                JsonValueKind.Number when value.GetInt32() is 0 or 1 => (byte)value.GetInt32(),
                _ => throw new FormatException(),
            };
            return;
        }
        if (value.ValueKind != JsonValueKind.Number) throw new FormatException();
        switch (type)
        {
            case TensorDataType.Float32: BinaryPrimitives.WriteSingleLittleEndian(target, value.GetSingle()); break;
            case TensorDataType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(target, value.GetDouble()); break;
            case TensorDataType.Float16: BinaryPrimitives.WriteHalfLittleEndian(target, (Half)value.GetDouble()); break;
            case TensorDataType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(target, ToBFloat16(value.GetSingle())); break;
            case TensorDataType.Int8: target[0] = (byte)value.GetSByte(); break;
            case TensorDataType.UInt8: target[0] = value.GetByte(); break;
            case TensorDataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(target, value.GetInt16()); break;
            case TensorDataType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(target, value.GetUInt16()); break;
            case TensorDataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(target, value.GetInt32()); break;
            case TensorDataType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(target, value.GetUInt32()); break;
            case TensorDataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(target, value.GetInt64()); break;
            case TensorDataType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(target, value.GetUInt64()); break;
            default: throw new FormatException();
        }
    }

    private static void WriteData(Utf8JsonWriter writer, Tensor tensor)
    {
        var data = tensor.Data.Span;
        var size = TensorDataTypes.SizeOf(tensor.DataType);
        for (var offset = 0; offset + size <= data.Length; offset += size)
        {
            var e = data.Slice(offset, size);
            switch (tensor.DataType)
            {
                case TensorDataType.Bool: writer.WriteBooleanValue(e[0] != 0); break;
                case TensorDataType.Float32: WriteFloat(writer, BinaryPrimitives.ReadSingleLittleEndian(e)); break;
                case TensorDataType.Float64: WriteFloat(writer, BinaryPrimitives.ReadDoubleLittleEndian(e)); break;
                case TensorDataType.Float16: WriteFloat(writer, (float)BinaryPrimitives.ReadHalfLittleEndian(e)); break;
                case TensorDataType.BFloat16: WriteFloat(writer, BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16)); break;
                case TensorDataType.Int8: writer.WriteNumberValue((sbyte)e[0]); break;
                case TensorDataType.UInt8: writer.WriteNumberValue(e[0]); break;
                case TensorDataType.Int16: writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(e)); break;
                case TensorDataType.UInt16: writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
                case TensorDataType.Int32: writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(e)); break;
                case TensorDataType.UInt32: writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(e)); break;
                case TensorDataType.Int64: writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                case TensorDataType.UInt64: writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(e)); break;
                default: throw new InvalidOperationException($"cannot print element type {tensor.DataType}");
            }
        }
    }

    // JSON has no NaN or infinities; KServe servers print them as strings too.
    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    // Round to nearest even, as frameworks convert FP32 to BF16.
    private static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return 0x7FC0;
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
