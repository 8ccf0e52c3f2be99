using System.Security.Cryptography;
using Cerebrum.Core.Common;
using Cerebrum.Core.Inference.Tensors;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Core.Inference.Store;

/// <summary>
/// Content-addressed ONNX model store: files at <c>DIR/models/sha256-&lt;hex&gt;.onnx</c>, metadata in the daemon's LiteDB
/// file (<c>DIR/cerebrum.db</c>, collection <c>models</c>). A model enters only after its bytes are hashed, parsed as
/// ONNX and loaded once by ONNX Runtime; the file appears under its final name only when complete (temp file + rename).
/// </summary>
public sealed class ModelStore : IDisposable
{
    public const string DatabaseFileName = "cerebrum.db";
    public const string CollectionName = "models";
    public const string ModelsDirectoryName = "models";

    private readonly ILiteDatabase _database;
    private readonly bool _ownsDatabase;
    private readonly ILiteCollection<BsonDocument> _models;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    /// <summary>Opens (or creates) the store in <paramref name="dataDirectory"/> with its own connection to <c>cerebrum.db</c>.</summary>
    public ModelStore(string dataDirectory, ILogger? logger = null)
        : this(dataDirectory, OpenDatabase(dataDirectory), ownsDatabase: true, logger)
    {
    }

    /// <summary>Uses a connection to the daemon's database that other layers share; the caller keeps ownership.</summary>
    public ModelStore(string dataDirectory, ILiteDatabase database, ILogger? logger = null)
        : this(dataDirectory, database, ownsDatabase: false, logger)
    {
    }

    private ModelStore(string dataDirectory, ILiteDatabase database, bool ownsDatabase, ILogger? logger)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        ModelsDirectory = Path.Combine(DataDirectory, ModelsDirectoryName);
        Directory.CreateDirectory(ModelsDirectory);
        _database = database;
        _ownsDatabase = ownsDatabase;
        _logger = logger ?? NullLogger.Instance;
        _models = _database.GetCollection(CollectionName);
        _models.EnsureIndex("name", unique: true);
    }

    public string DataDirectory { get; }

    public string ModelsDirectory { get; }

    /// <summary>Path of a stored model's file (whether or not it exists).</summary>
    public string ModelPath(string hash) => Path.Combine(ModelsDirectory, ModelHash.FileStem(hash) + ".onnx");

    /// <summary>Path of a stored tokenizer vocabulary, named by its own hash.</summary>
    public string VocabularyPath(string vocabularyHash) => Path.Combine(ModelsDirectory, ModelHash.FileStem(vocabularyHash) + ".vocab.txt");

    /// <summary>Copies <paramref name="file"/> into the store under <paramref name="name"/>.</summary>
    /// <param name="expectedHash">When given, the file must hash to exactly this.</param>
    /// <exception cref="ModelRejectedException">Missing file, hash mismatch, not ONNX, fails to load, or name taken.</exception>
    public ModelInfo Add(string file, string name, string? expectedHash = null)
    {
        ValidateName(name);
        FileStream source;
        try
        {
            source = File.OpenRead(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelRejectedException(file, $"cannot be read ({e.Message})", e);
        }
        using (source)
            return AddFromStream(source, file, name, expectedHash, ModelTasks.Tensor, textEncoding: null);
    }

    /// <summary>Imports a model that ships inside a package (see <see cref="BuiltinModels"/>), under <paramref name="name"/> or its built-in name.</summary>
    public ModelInfo AddBuiltin(string builtinName, string? name = null)
    {
        if (name is not null) ValidateName(name);
        var (model, vocabulary) = BuiltinModels.Open(builtinName);
        using (model)
        using (vocabulary)
        {
            var source = $"builtin:{builtinName}";
            var vocabularyHash = StoreVocabulary(vocabulary, source);
            var encoding = BuiltinModels.EncodingOf(BuiltinModels.HashOf(builtinName)!)! with { VocabularyHash = vocabularyHash };
            return AddFromStream(model, source, name ?? builtinName.ToLowerInvariant(), null, ModelTasks.TextEmbedding, encoding);
        }
    }

    public IReadOnlyList<ModelInfo> List()
    {
        lock (_gate)
            return _models.FindAll().Select(ModelInfoDocument.FromDocument).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Looks a model up by hash (sha256:&lt;hex&gt;) or by name.</summary>
    public ModelInfo? Find(string nameOrHash)
    {
        lock (_gate)
        {
            var document = ModelHash.IsValid(nameOrHash)
                ? _models.FindById(ModelHash.Normalize(nameOrHash))
                : _models.FindOne(Query.EQ("name", nameOrHash));
            return document is null ? null : ModelInfoDocument.FromDocument(document);
        }
    }

    /// <summary>Removes a model's record and file; false when no such model.</summary>
    public bool Remove(string nameOrHash)
    {
        lock (_gate)
        {
            var model = Find(nameOrHash);
            if (model is null) return false;
            _models.Delete(model.Hash);
            TryDelete(ModelPath(model.Hash));
            // A vocabulary may be shared by several models; delete it with the last of them.
            if (model.VocabularyHash is { } vocabularyHash && _models.Count(Query.EQ("vocabularyHash", vocabularyHash)) == 0)
                TryDelete(VocabularyPath(vocabularyHash));
            _logger.LogInformation("Removed model {Name} ({Hash})", model.Name, model.Hash);
            return true;
        }
    }

    public void Dispose()
    {
        if (_ownsDatabase) _database.Dispose();
    }

    private ModelInfo AddFromStream(Stream source, string sourceName, string name, string? expectedHash, string task, TextEncoding? textEncoding)
    {
        if (expectedHash is not null && !ModelHash.IsValid(expectedHash))
            throw new ModelRejectedException(sourceName, $"expected hash '{expectedHash}' is not of the form sha256:<64 hex digits>");
        var temp = Path.Combine(ModelsDirectory, $".incoming-{Guid.NewGuid():N}.onnx");
        try
        {
            var (hash, size) = CopyAndHash(source, temp, sourceName);
            if (expectedHash is not null && !string.Equals(hash, ModelHash.Normalize(expectedHash), StringComparison.Ordinal))
                throw new ModelRejectedException(sourceName, $"its hash {hash} does not match the expected {ModelHash.Normalize(expectedHash)}");
            var (header, inputs, outputs) = Inspect(temp, sourceName);
            var info = new ModelInfo(hash, name, size, header.IrVersion, header.DefaultOpset, inputs, outputs, task, textEncoding, DateTimeOffset.UtcNow);
            lock (_gate)
            {
                var named = _models.FindOne(Query.EQ("name", name));
                if (named is not null && named["_id"].AsString != hash)
                    throw new ModelRejectedException(sourceName, $"the name '{name}' is already used by {named["_id"].AsString}; remove that model first");
                File.Move(temp, ModelPath(hash), overwrite: true);
                _models.Upsert(ModelInfoDocument.ToDocument(info));
            }
            _logger.LogInformation("Added model {Name} ({Hash}, {Size} bytes, opset {Opset}) from {Source}", name, hash, size, header.DefaultOpset, sourceName);
            return info;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static (string Hash, long Size) CopyAndHash(Stream source, string destination, string sourceName)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        try
        {
            using var target = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = source.Read(buffer)) > 0)
            {
                hasher.AppendData(buffer, 0, n);
                target.Write(buffer, 0, n);
                size += n;
            }
            // On disk before the rename makes it visible, so a crash never leaves a truncated file under a hash name.
            target.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new ModelRejectedException(sourceName, $"copy into the store failed ({e.Message})", e);
        }
        if (size == 0) throw new ModelRejectedException(sourceName, "the file is empty");
        return (ModelHash.FromDigest(hasher.GetHashAndReset()), size);
    }

    private static (OnnxModelHeader Header, IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs) Inspect(string path, string sourceName)
    {
        OnnxModelHeader header;
        try
        {
            using var stream = File.OpenRead(path);
            header = OnnxModelHeader.Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new ModelRejectedException(sourceName, e.Message, e);
        }
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(path, options);
            var (inputs, outputs) = OnnxSignatureReader.Read(session);
            return (header, inputs, outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelRejectedException(sourceName, $"ONNX Runtime cannot load it ({e.Message})", e);
        }
        catch (InvalidDataException e)
        {
            throw new ModelRejectedException(sourceName, e.Message, e);
        }
    }

    private string StoreVocabulary(Stream vocabulary, string sourceName)
    {
        var temp = Path.Combine(ModelsDirectory, $".incoming-{Guid.NewGuid():N}.vocab.txt");
        try
        {
            var (hash, _) = CopyAndHash(vocabulary, temp, sourceName + " vocabulary");
            File.Move(temp, VocabularyPath(hash), overwrite: true);
            return hash;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 128 || name.Any(char.IsWhiteSpace) || name.Any(char.IsControl))
            throw new ArgumentException($"model name '{name}' must be 1 to 128 characters without spaces", nameof(name));
        if (ModelHash.IsValid(name) || name.StartsWith(ModelHash.Prefix, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"model name '{name}' must not look like a hash", nameof(name));
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not delete {Path}: {Reason}", path, e.Message);
        }
    }

    private static LiteDatabase OpenDatabase(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        return LiteDatabaseFile.Open(Path.Combine(dataDirectory, DatabaseFileName));
    }
}
