using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>
/// Merges requests along the first (batch) dimension and splits the outputs back. Row-major layout makes the merge a
/// byte concatenation per input, in request order.
/// </summary>
internal static class BatchAssembler
{
    /// <summary>True when every input and output of the model has a dynamic first dimension.</summary>
    public static bool IsBatchable(ModelInfo model) =>
        model.Inputs.Count > 0
        && model.Inputs.All(s => s.Rank >= 1 && s.IsDynamic(0))
        && model.Outputs.All(s => s.Rank >= 1 && s.IsDynamic(0));

    /// <summary>
    /// Requests with the same key can be merged: the same inputs with the same shapes except for the first dimension,
    /// which is the same within the request. Null when the request cannot be merged with any other.
    /// </summary>
    public static string? Key(IReadOnlyList<Tensor> inputs, out long rows)
    {
        rows = inputs.Count > 0 && inputs[0].Shape.Count > 0 ? inputs[0].Shape[0] : 0;
        if (rows <= 0) return null;
        var parts = new List<string>(inputs.Count);
        foreach (var tensor in inputs.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (tensor.Shape.Count == 0 || tensor.Shape[0] != rows) return null;
            parts.Add($"{tensor.Name}:{(int)tensor.DataType}:{string.Join('x', tensor.Shape.Skip(1))}");
        }
        return string.Join('|', parts);
    }

    public static IReadOnlyList<Tensor> Merge(IReadOnlyList<IReadOnlyList<Tensor>> requests)
    {
        if (requests.Count == 1) return requests[0];
        var merged = new List<Tensor>();
        foreach (var first in requests[0])
        {
            var parts = requests.Select(r => r.First(t => t.Name == first.Name)).ToList();
            var rows = parts.Sum(p => p.Shape[0]);
            var data = new byte[parts.Sum(p => p.Data.Length)];
            var offset = 0;
            foreach (var part in parts)
            {
                part.Data.Span.CopyTo(data.AsSpan(offset));
                offset += part.Data.Length;
            }
            merged.Add(first with { Shape = [rows, .. first.Shape.Skip(1)], Data = data });
        }
        return merged;
    }

    /// <summary>Cuts each output into per-request slices by the requests' row counts.</summary>
    /// <exception cref="InvalidOperationException">An output's first dimension is not the total row count.</exception>
    public static IReadOnlyList<IReadOnlyList<Tensor>> Split(IReadOnlyList<Tensor> outputs, IReadOnlyList<long> rows)
    {
        if (rows.Count == 1) return [outputs];
        var total = rows.Sum();
        var result = rows.Select(_ => new List<Tensor>(outputs.Count)).ToList();
        foreach (var output in outputs)
        {
            if (output.Shape.Count == 0 || output.Shape[0] != total)
                throw new InvalidOperationException($"output '{output.Name}' has shape [{string.Join(", ", output.Shape)}], not {total} rows; it cannot be split per request");
            var bytesPerRow = output.Data.Length / total;
            long offset = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var length = bytesPerRow * rows[i];
                result[i].Add(output with { Shape = [rows[i], .. output.Shape.Skip(1)], Data = output.Data.Slice((int)offset, (int)length) });
                offset += length;
            }
        }
        return result;
    }
}
