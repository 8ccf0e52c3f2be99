using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Status;

/// <summary>The models of a <see cref="NodeStatus"/> between their wire form (adverts and text encodings) and their domain form.</summary>
internal static class NodeStatusModels
{
    /// <summary>
    /// The status's models; an advert without a hash is left out, and so is a declared tensor of an element type this
    /// build does not know (rather than failing the whole heartbeat).
    /// </summary>
    public static IReadOnlyList<AnnouncedModel> Decode(NodeStatus status)
    {
        var encodings = new Dictionary<string, ModelTextEncoding>(StringComparer.Ordinal);
        foreach (var encoding in status.TextEncodings) encodings.TryAdd(encoding.ModelHash, encoding);
        var models = new List<AnnouncedModel>(status.Models.Count);
        foreach (var advert in status.Models)
        {
            if (advert.Hash.Length == 0) continue;
            var textEncoding = encodings.TryGetValue(advert.Hash, out var wire) ? FromWire(wire) : null;
            var model = new ServedModel(advert.Name, advert.Hash, advert.Task, [.. advert.Inputs.SelectMany(FromWire)], [.. advert.Outputs.SelectMany(FromWire)],
                textEncoding?.Problem() is null ? textEncoding : null);
            models.Add(new AnnouncedModel(model, advert.FreeSlots, advert.QueueDepth));
        }
        return models;
    }

    public static TextEncoding FromWire(ModelTextEncoding wire) =>
        new(wire.Tokenizer, wire.VocabularyHash, (int)Math.Min(wire.MaxTokens, (uint)int.MaxValue), wire.Pooling, wire.Normalize);

    public static ModelTextEncoding ToWire(string modelHash, TextEncoding encoding) => new()
    {
        ModelHash = modelHash,
        Tokenizer = encoding.Tokenizer,
        VocabularyHash = encoding.VocabularyHash,
        MaxTokens = (uint)encoding.MaxTokens,
        Pooling = encoding.Pooling,
        Normalize = encoding.Normalize,
    };

    public static TensorSpec ToWire(TensorSignature signature)
    {
        var spec = new TensorSpec { Name = signature.Name, Dtype = (int)signature.DataType };
        spec.Shape.AddRange(signature.Dimensions);
        return spec;
    }

    private static IEnumerable<TensorSignature> FromWire(TensorSpec spec) =>
        TensorDataTypes.FromOnnx(spec.Dtype) is { } type
            ? [new TensorSignature(spec.Name, type, [.. spec.Shape], [.. spec.Shape.Select(_ => "")])]
            : [];
}
