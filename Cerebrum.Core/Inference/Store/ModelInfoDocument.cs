using Cerebrum.Core.Inference.Tensors;
using LiteDB;

namespace Cerebrum.Core.Inference.Store;

/// <summary>Maps <see cref="ModelInfo"/> to and from its LiteDB document by hand, so the stored layout is explicit and stable.</summary>
internal static class ModelInfoDocument
{
    public static BsonDocument ToDocument(ModelInfo info) => new()
    {
        ["_id"] = info.Hash,
        ["name"] = info.Name,
        ["size"] = info.SizeBytes,
        ["irVersion"] = info.IrVersion,
        ["opset"] = info.Opset,
        ["inputs"] = new BsonArray(info.Inputs.Select(ToDocument)),
        ["outputs"] = new BsonArray(info.Outputs.Select(ToDocument)),
        ["task"] = info.Task,
        // Kept at the top level (the store's query for a vocabulary's last user reads it there).
        ["vocabularyHash"] = info.VocabularyHash is null ? BsonValue.Null : new BsonValue(info.VocabularyHash),
        ["textEncoding"] = info.TextEncoding is { } e
            ? new BsonDocument { ["tokenizer"] = e.Tokenizer, ["maxTokens"] = e.MaxTokens, ["pooling"] = e.Pooling, ["normalize"] = e.Normalize }
            : BsonValue.Null,
        ["addedAt"] = info.AddedAt.UtcDateTime,
    };

    public static ModelInfo FromDocument(BsonDocument d) => new(
        d["_id"].AsString,
        d["name"].AsString,
        d["size"].AsInt64,
        d["irVersion"].AsInt64,
        d["opset"].AsInt64,
        d["inputs"].AsArray.Select(v => FromSignature(v.AsDocument)).ToList(),
        d["outputs"].AsArray.Select(v => FromSignature(v.AsDocument)).ToList(),
        d["task"].AsString,
        ReadTextEncoding(d),
        new DateTimeOffset(DateTime.SpecifyKind(d["addedAt"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)));

    /// <summary>
    /// A store written before models carried their text encoding holds only the vocabulary hash of its text models,
    /// which were all the built-in MiniLM: they read as MiniLM's encoding with their own vocabulary.
    /// </summary>
    private static TextEncoding? ReadTextEncoding(BsonDocument d)
    {
        var vocabulary = d["vocabularyHash"];
        if (vocabulary.IsNull) return null;
        var e = d["textEncoding"];
        if (e.IsNull) return BuiltinModels.AllMiniLmL6V2Encoding with { VocabularyHash = vocabulary.AsString };
        return new TextEncoding(e["tokenizer"].AsString, vocabulary.AsString, e["maxTokens"].AsInt32, e["pooling"].AsString, e["normalize"].AsBoolean);
    }

    private static BsonValue ToDocument(TensorSignature s) => new BsonDocument
    {
        ["name"] = s.Name,
        ["dtype"] = s.DataType.ToString(),
        ["dims"] = new BsonArray(s.Dimensions.Select(d => new BsonValue(d))),
        ["dimNames"] = new BsonArray(s.DimensionNames.Select(n => new BsonValue(n))),
    };

    private static TensorSignature FromSignature(BsonDocument d) => new(
        d["name"].AsString,
        Enum.Parse<TensorDataType>(d["dtype"].AsString),
        d["dims"].AsArray.Select(v => v.AsInt64).ToList(),
        d["dimNames"].AsArray.Select(n => n.AsString).ToList());
}
