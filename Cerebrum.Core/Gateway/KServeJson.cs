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
    /// <summary>Deepest nesting of a request: the root, "inputs", a tensor, and a data array nested up to 60 levels.</summary>
    private const int MaxDepth = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

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
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException e)
        {
            // The string holds invalid UTF-16 (a lone surrogate), which cannot be JSON text.
            throw new FormatException($"{source} is not valid JSON: {e.Message}");
        }
        return ParseRequest(utf8, source);
    }

    /// <summary>
    /// <see cref="ParseRequest(string, string)"/> over UTF-8 bytes, in one pass with no document: memory is the tensors'
    /// bytes, and a tensor's bytes are allocated only once its data is known to hold exactly the values its shape needs
    /// (so a body's cost is bounded by the body: at most 8 bytes of tensor per 2 bytes of JSON, "0,").
    /// </summary>
    /// <exception cref="FormatException">Bad JSON or UTF-8, an unknown datatype, a bad shape, or data that does not fit it.</exception>
    public static KServeInferRequest ParseRequest(ReadOnlySpan<byte> utf8, string source = "the request body")
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                // Syntax errors before anything else, as a document parse would report them.
                if (reader.TokenType != JsonTokenType.None) reader.Skip();
                while (reader.Read()) { }
                throw new FormatException($"{source} must be a JSON object: {{\"inputs\":[…]}} or one {{\"name\",\"shape\",\"datatype\",\"data\"}} tensor");
            }
            var root = ReadObject(ref reader, utf8, tensorOnly: false);
            if (reader.Read())
                throw new FormatException($"{source} is not valid JSON: more than one value");
            if (!root.HasInputs)
                return new KServeInferRequest(null, [root.Tensor.Build(utf8, "input")], null);
            if (root.Inputs is not { Count: > 0 } inputs)
                throw new FormatException("\"inputs\" must be a non-empty array of tensors");
            if (root.IdIsNotString)
                throw new FormatException("\"id\" must be a string");
            if (root.OutputsError is { } outputsError)
                throw new FormatException(outputsError);
            var tensors = new List<Tensor>(inputs.Count);
            for (var i = 0; i < inputs.Count; i++) tensors.Add(inputs[i].Build(utf8, $"inputs[{i}]"));
            var duplicate = tensors.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new FormatException($"input '{duplicate.Key}' is given more than once");
            return new KServeInferRequest(root.Id, tensors, root.Outputs);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source} is not valid JSON: {OneLine(e.Message)}");
        }
        catch (InvalidOperationException e)
        {
            // Escapes can spell lone surrogates ("\ud800"), which the reader refuses to read as a string.
            throw new FormatException($"{source} holds a string that is not valid UTF-16: {OneLine(e.Message)}");
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>Reads an object (the reader on its StartObject) as a request and as a tensor at once; what it is decides later.</summary>
    private static ParsedObject ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, bool tensorOnly)
    {
        var parsed = new ParsedObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "inputs" when !tensorOnly:
                    parsed.HasInputs = true;
                    if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); parsed.Inputs = null; break; }
                    parsed.Inputs = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.StartObject)
                            parsed.Inputs.Add(ReadObject(ref reader, utf8, tensorOnly: true).Tensor);
                        else
                        {
                            reader.Skip();
                            parsed.Inputs.Add(new TensorFields { NotAnObject = true });
                        }
                    }
                    break;
                case "id" when !tensorOnly:
                    if (reader.TokenType == JsonTokenType.String) parsed.Id = reader.GetString();
                    else { parsed.IdIsNotString = true; reader.Skip(); }
                    break;
                case "outputs" when !tensorOnly:
                    parsed.Outputs = ReadOutputNames(ref reader, out var error);
                    parsed.OutputsError ??= error;
                    break;
                case "name":
                    if (reader.TokenType == JsonTokenType.String) parsed.Tensor.Name = reader.GetString();
                    else { parsed.Tensor.Name = null; reader.Skip(); }
                    break;
                case "datatype":
                    if (reader.TokenType == JsonTokenType.String) parsed.Tensor.Datatype = reader.GetString();
                    else { parsed.Tensor.Datatype = null; reader.Skip(); }
                    break;
                case "shape":
                    parsed.Tensor.HasShape = true;
                    parsed.Tensor.Shape = ReadShape(ref reader);
                    break;
                case "data":
                    parsed.Tensor.DataStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    parsed.Tensor.DataEnd = (int)reader.BytesConsumed;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return parsed;
    }

    /// <summary>The shape's dimensions, or null when it is not an array of non-negative integers.</summary>
    private static List<long>? ReadShape(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); return null; }
        var shape = new List<long>();
        var valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
            {
                if (shape.Count < MaxDepth) shape.Add(value);
                else valid = false;
            }
            else
            {
                valid = false;
                reader.Skip();
            }
        }
        return valid ? shape : null;
    }

    private static List<string>? ReadOutputNames(ref Utf8JsonReader reader, out string? error)
    {
        error = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            error = "\"outputs\" must be an array of {\"name\"} objects";
            return null;
        }
        var names = new List<string>();
        for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            string? name = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var property = reader.GetString();
                    reader.Read();
                    if (property == "name" && reader.TokenType == JsonTokenType.String) name = reader.GetString();
                    else reader.Skip();
                }
            }
            else reader.Skip();
            if (name is { Length: > 0 }) names.Add(name);
            else error ??= $"outputs[{i}]: \"name\" must be a non-empty string";
        }
        return names;
    }

    /// <summary>What one object said, before it is known to be a request or a tensor.</summary>
    private sealed class ParsedObject
    {
        public bool HasInputs { get; set; }
        public List<TensorFields>? Inputs { get; set; }
        public string? Id { get; set; }
        public bool IdIsNotString { get; set; }
        public List<string>? Outputs { get; set; }
        public string? OutputsError { get; set; }
        public TensorFields Tensor { get; } = new();
    }

    /// <summary>A tensor object's fields as read; its data is a range of the body, decoded once name, type and shape check out.</summary>
    private sealed class TensorFields
    {
        public bool NotAnObject { get; init; }
        public string? Name { get; set; }
        public string? Datatype { get; set; }
        public bool HasShape { get; set; }
        public List<long>? Shape { get; set; }
        public int DataStart { get; set; } = -1;
        public int DataEnd { get; set; }

        /// <summary>Checks the fields in the order a reader expects the messages (name, datatype, shape, data) and decodes the data.</summary>
        public Tensor Build(ReadOnlySpan<byte> utf8, string where)
        {
            if (NotAnObject)
                throw new FormatException($"{where} must be an object with name, shape, datatype and data");
            var name = Name is { Length: > 0 } s ? s : throw new FormatException($"{where}: \"name\" must be a non-empty string");
            where = $"input '{name}'";
            var datatypeText = Datatype ?? throw new FormatException($"{where}: \"datatype\" must be a string such as \"FP32\"");
            var type = TensorDataTypes.FromKServeName(datatypeText)
                ?? throw new FormatException($"{where}: unsupported datatype '{datatypeText}' (supported: {string.Join(", ", Enum.GetValues<TensorDataType>().Select(TensorDataTypes.ToKServeName))})");
            if (!HasShape || Shape is not { } shape)
                throw new FormatException($"{where}: \"shape\" must be an array of non-negative integers");
            var count = Tensor.CountElements(shape) is { } c and <= int.MaxValue ? (int)c : throw new FormatException($"{where}: shape [{string.Join(", ", shape)}] is too large");
            if (DataStart < 0)
                throw new FormatException($"{where}: \"data\" is missing");
            var data = utf8[DataStart..DataEnd];
            // Count first, allocating nothing: the tensor's bytes are taken only for data that fits its shape exactly.
            var values = CountValues(data);
            if (values != count)
                throw new FormatException($"{where}: shape [{string.Join(", ", shape)}] needs {count} values, \"data\" has {values}");
            var size = TensorDataTypes.SizeOf(type);
            var bytes = new byte[(long)count * size];
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = MaxDepth });
            var index = 0;
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.EndArray) continue;
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType == JsonTokenType.StartObject) reader.Skip();
                try
                {
                    Encode(type, ref reader, bytes.AsSpan(index * size, size));
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
                {
                    var raw = Encoding.UTF8.GetString(data[start..(int)reader.BytesConsumed]);
                    throw new FormatException($"{where}: data[{index}] = {raw} is not a valid {datatypeText.ToUpperInvariant()} value");
                }
                index++;
            }
            return new Tensor(name, type, shape, bytes);
        }

        /// <summary>The values in a data value, arrays flattened (an object counts as one value).</summary>
        private static long CountValues(ReadOnlySpan<byte> data)
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = MaxDepth });
            long values = 0;
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.EndArray) continue;
                if (reader.TokenType == JsonTokenType.StartObject) reader.Skip();
                values++;
            }
            return values;
        }
    }

    /// <summary>The response form: <c>{"model_name": the model as the client named it, "id": job id, "outputs": [ … ]}</c>, data flat.</summary>
    public static string FormatOutputs(string modelName, string jobId, IReadOnlyList<Tensor> outputs) =>
        Format(writer =>
        {
            writer.WriteString("model_name", modelName);
            writer.WriteString("id", jobId);
            WriteTensors(writer, "outputs", outputs);
        });

    /// <summary>Tensors as a KServe v2 JSON array (<c>[{"name", "datatype", "shape", "data"}, …]</c>), data flat: a batch job's <c>"outputs"</c>.</summary>
    public static string FormatTensors(IReadOnlyList<Tensor> tensors)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            WriteTensorArray(writer, tensors);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

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
        writer.WritePropertyName(property);
        WriteTensorArray(writer, tensors);
    }

    private static void WriteTensorArray(Utf8JsonWriter writer, IReadOnlyList<Tensor> tensors)
    {
        writer.WriteStartArray();
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

    private static void Encode(TensorDataType type, ref Utf8JsonReader value, Span<byte> target)
    {
        if (type == TensorDataType.Bool)
        {
            target[0] = value.TokenType switch
            {
                JsonTokenType.True => 1,
                JsonTokenType.False => 0,
                JsonTokenType.Number when value.GetInt32() is 0 or 1 => (byte)value.GetInt32(),
                _ => throw new FormatException(),
            };
            return;
        }
        if (value.TokenType != JsonTokenType.Number) throw new FormatException();
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
