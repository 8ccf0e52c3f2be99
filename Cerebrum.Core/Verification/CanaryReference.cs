using System.Collections.Concurrent;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Verification;

/// <summary>
/// A validator's own runs of the models it checks, and each model's calibrated <see cref="CanaryTolerance"/>. Calibration
/// (once per model, on first use): <see cref="CalibrationRuns"/> drawn inputs are run as they are and with every float input
/// rounded to TF32 (10 mantissa bits, what a GPU's tensor cores multiply with), and the tolerance allows
/// <see cref="CanaryTolerance.Margin"/> times the worst difference seen: an honest GPU's rounding passes, a wrong answer is
/// orders of magnitude beyond. Comparisons are per output tensor, float outputs within the tolerance, others bit for bit.
/// </summary>
public sealed class CanaryReference
{
    public const int CalibrationRuns = 6;

    private readonly InferenceEngine _engine;
    private readonly TimeProvider _time;
    private readonly TimeSpan _runTimeout;
    private readonly ConcurrentDictionary<string, Lazy<Task<CanaryTolerance>>> _tolerances = new(StringComparer.Ordinal);

    public CanaryReference(InferenceEngine engine, TimeProvider time, TimeSpan runTimeout)
    {
        _engine = engine;
        _time = time;
        _runTimeout = runTimeout;
    }

    /// <summary>The model, when this validator holds it (it can check only the models it can run itself).</summary>
    public ModelInfo? FindModel(string hash) => _engine.FindModel(hash);

    public async Task<IReadOnlyList<Tensor>> RunAsync(string modelHash, IReadOnlyList<Tensor> inputs, CancellationToken ct) =>
        (await _engine.RunAsync(new InferenceRequest(modelHash, inputs, _time.GetUtcNow() + _runTimeout), ct).ConfigureAwait(false)).Outputs;

    /// <summary>The model's tolerance, calibrated the first time it is asked for.</summary>
    public Task<CanaryTolerance> ToleranceAsync(ModelInfo model, CancellationToken ct)
    {
        var calibration = _tolerances.GetOrAdd(model.Hash, _ => new Lazy<Task<CanaryTolerance>>(() => CalibrateAsync(model, ct)));
        var task = calibration.Value;
        // A failed or cancelled calibration is tried again next time.
        if (task.IsFaulted || task.IsCanceled) _tolerances.TryRemove(new KeyValuePair<string, Lazy<Task<CanaryTolerance>>>(model.Hash, calibration));
        return task;
    }

    /// <summary>Whether <paramref name="node"/>'s outputs match <paramref name="own"/> within <paramref name="tolerance"/>, with the worst comparison.</summary>
    public static CanaryJudgement Judge(IReadOnlyList<Tensor> own, IReadOnlyList<Tensor> node, CanaryTolerance tolerance)
    {
        var worst = new OutputComparison(1, 0);
        foreach (var expected in own)
        {
            var answer = node.FirstOrDefault(t => t.Name == expected.Name);
            if (answer is null) return new CanaryJudgement(false, new OutputComparison(-1, double.PositiveInfinity), $"output {expected.Name} missing");
            if (!answer.Shape.SequenceEqual(expected.Shape) || answer.DataType != expected.DataType)
                return new CanaryJudgement(false, new OutputComparison(-1, double.PositiveInfinity), $"output {expected.Name} has another shape or type");
            if (expected.DataType != TensorDataType.Float32)
            {
                if (!answer.Data.Span.SequenceEqual(expected.Data.Span))
                    return new CanaryJudgement(false, new OutputComparison(-1, double.PositiveInfinity), $"output {expected.Name} differs");
                continue;
            }
            var comparison = OutputComparison.Of(expected.ToFloats(), answer.ToFloats());
            if (comparison.RelativeL2 > worst.RelativeL2 || comparison.Cosine < worst.Cosine)
                worst = new OutputComparison(Math.Min(worst.Cosine, comparison.Cosine), Math.Max(worst.RelativeL2, comparison.RelativeL2));
        }
        var passed = tolerance.Accepts(worst);
        return new CanaryJudgement(passed, worst,
            FormattableString.Invariant($"rel L2 {worst.RelativeL2:G3} (allowed {tolerance.MaxRelativeL2:G3}), cosine {worst.Cosine:G9} (allowed {tolerance.MinCosine:G9})"));
    }

    /// <summary>Float32 <paramref name="value"/> rounded to TF32's 10 mantissa bits (round half away from zero on the bits).</summary>
    public static float RoundToTf32(float value)
    {
        if (!float.IsFinite(value)) return value;
        var bits = BitConverter.SingleToUInt32Bits(value);
        bits = (bits + 0x1000u) & ~0x1FFFu;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    private async Task<CanaryTolerance> CalibrateAsync(ModelInfo model, CancellationToken ct)
    {
        var honest = new List<OutputComparison>();
        for (var run = 0; run < CalibrationRuns; run++)
        {
            var inputs = CanaryInputs.Create(model, -1 - run) ?? throw new InvalidOperationException($"no canary inputs can be drawn for {model.Hash}");
            var rounded = inputs.Select(t => t.DataType == TensorDataType.Float32
                ? Tensor.FromFloats(t.Name, t.Shape, [.. t.ToFloats().Select(RoundToTf32)])
                : t).ToList();
            var exact = await RunAsync(model.Hash, inputs, ct).ConfigureAwait(false);
            var varied = await RunAsync(model.Hash, rounded, ct).ConfigureAwait(false);
            foreach (var output in exact.Where(t => t.DataType == TensorDataType.Float32))
                if (varied.FirstOrDefault(t => t.Name == output.Name) is { } other)
                    honest.Add(OutputComparison.Of(output.ToFloats(), other.ToFloats()));
        }
        return honest.Count == 0 ? CanaryTolerance.Calibrate([new OutputComparison(1, 0)]) : CanaryTolerance.Calibrate(honest);
    }
}
