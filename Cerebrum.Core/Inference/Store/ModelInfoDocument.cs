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
        ["vocabularyHash"] = info.VocabularyHash is null ? BsonValue.Null : new BsonValue(info.VocabularyHash),
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
        d["vocabularyHash"].IsNull ? null : d["vocabularyHash"].AsString,
        new DateTimeOffset(DateTime.SpecifyKind(d["addedAt"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)));

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
        d["dimNames"].AsArray.Select(v => v.AsString).ToList());
}
