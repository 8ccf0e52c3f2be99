namespace Cerebrum.Core.Inference.Store;

/// <summary>
/// The length of a transformer's learned position table, read from an ONNX file's initializers: the first dimension
/// of a rank-2 initializer whose name contains "position_embeddings" (the naming of BERT-family exports, MiniLM's
/// included). A sequence longer than the table makes the model's position lookup fail at run time, so it is a limit
/// the model itself sets. Only names and dims are read: the weights' bytes are skipped, never held.
/// </summary>
internal static class OnnxPositionTable
{
    // ModelProto.graph = 7; GraphProto.initializer = 5; TensorProto.dims = 1, TensorProto.name = 8.
    private const int GraphField = 7;
    private const int InitializerField = 5;
    private const int DimsField = 1;
    private const int NameField = 8;
    private const int MaxNameBytes = 4096;
    private const int MaxDims = 16;

    /// <summary>The table's length, or null when the model has no such initializer.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf ModelProto.</exception>
    public static long? MaxPositions(Stream stream)
    {
        var reader = new Reader(stream);
        long? found = null;
        while (reader.Position < reader.Length)
        {
            var (field, wire) = reader.ReadTag();
            if (field == GraphField && wire == 2)
            {
                var end = reader.ReadEnd();
                while (reader.Position < end)
                {
                    var (gField, gWire) = reader.ReadTag();
                    if (gField == InitializerField && gWire == 2)
                    {
                        var (name, dims) = ReadInitializer(reader, reader.ReadEnd());
                        if (name.Contains("position_embeddings", StringComparison.Ordinal) && dims.Count == 2 && dims[0] > 0)
                            found = found is { } f ? Math.Min(f, dims[0]) : dims[0];
                    }
                    else reader.Skip(gWire, end);
                }
                if (reader.Position != end) throw new InvalidDataException("graph field overruns its length");
            }
            else reader.Skip(wire, reader.Length);
        }
        return found;
    }

    private static (string Name, List<long> Dims) ReadInitializer(Reader reader, long end)
    {
        var name = "";
        var dims = new List<long>();
        while (reader.Position < end)
        {
            var (field, wire) = reader.ReadTag();
            if (field == NameField && wire == 2)
            {
                var length = reader.ReadEnd() - reader.Position;
                if (length > MaxNameBytes) { reader.Skip(2, end, length); continue; }
                name = reader.ReadUtf8((int)length);
            }
            else if (field == DimsField && wire == 0 && dims.Count < MaxDims)
                dims.Add((long)reader.ReadVarint());
            else if (field == DimsField && wire == 2)
            {
                var packedEnd = reader.ReadEnd();
                while (reader.Position < packedEnd && dims.Count < MaxDims) dims.Add((long)reader.ReadVarint());
                if (reader.Position < packedEnd) reader.Skip(2, end, packedEnd - reader.Position);
            }
            else reader.Skip(wire, end);
        }
        if (reader.Position != end) throw new InvalidDataException("initializer overruns its length");
        return (name, dims);
    }

    /// <summary>Protobuf wire reading over a seekable stream: skipped fields are seeked over, not read.</summary>
    private sealed class Reader(Stream stream)
    {
        public long Position => stream.Position;

        public long Length { get; } = stream.Length;

        public (int Field, int Wire) ReadTag()
        {
            var tag = ReadVarint();
            var field = tag >> 3;
            if (field is 0 or > int.MaxValue) throw new InvalidDataException($"bad field number {field}");
            return ((int)field, (int)(tag & 7));
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = stream.ReadByte();
                if (b < 0) throw new InvalidDataException("truncated varint");
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw new InvalidDataException("varint longer than 10 bytes");
        }

        /// <summary>Reads a length prefix and returns where the field ends, checked against the stream's length.</summary>
        public long ReadEnd()
        {
            var length = ReadVarint();
            if (length > (ulong)(Length - Position)) throw new InvalidDataException("a field's length runs past the end of the file");
            return Position + (long)length;
        }

        public string ReadUtf8(int length)
        {
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Skips the field just tagged with <paramref name="wire"/>, which must end by <paramref name="limit"/>.</summary>
        public void Skip(int wire, long limit, long? knownLength = null)
        {
            long target;
            switch (wire)
            {
                case 0: ReadVarint(); target = Position; break;
                case 1: target = Position + 8; break;
                case 2: target = knownLength is { } k ? Position + k : ReadEnd(); break;
                case 5: target = Position + 4; break;
                default: throw new InvalidDataException($"unsupported wire type {wire}");
            }
            if (target > limit) throw new InvalidDataException("a field runs past its enclosing message");
            stream.Seek(target, SeekOrigin.Begin);
        }
    }
}
