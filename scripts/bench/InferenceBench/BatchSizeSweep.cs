using System.Diagnostics;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;

namespace Cerebrum.Bench.Inference;

/// <summary>
/// ONNX Runtime's own throughput by batch size: one caller, one run at a time, each run a single request of B sentences
/// (so no scheduler is involved). The ratio of B = 32 to B = 1 bounds what any dynamic batching can gain over unbatched
/// runs at concurrency 32 on this machine: batching only changes how many rows each run carries.
/// </summary>
internal static class BatchSizeSweep
{
    /// <summary>Measured runs of one batch size last at least this long.</summary>
    private static readonly TimeSpan MinimumDuration = TimeSpan.FromSeconds(2);

    private const int MinimumRuns = 10;

    public static async Task<IReadOnlyList<(int BatchSize, double RunMs, double SentencesPerSecond)>> MeasureAsync(
        InferenceEngine engine, string modelHash, TextEmbeddingPipeline pipeline, IReadOnlyList<string> sentences, IReadOnlyList<int> batchSizes)
    {
        var results = new List<(int, double, double)>();
        foreach (var size in batchSizes)
        {
            var texts = Enumerable.Range(0, size).Select(i => sentences[i % sentences.Count]).ToArray();
            var inputs = pipeline.Tokenize(texts).Inputs;
            for (var w = 0; w < 3; w++) await RunAsync();
            var runs = 0;
            var clock = Stopwatch.StartNew();
            while (runs < MinimumRuns || clock.Elapsed < MinimumDuration)
            {
                await RunAsync();
                runs++;
            }
            clock.Stop();
            results.Add((size, clock.Elapsed.TotalMilliseconds / runs, runs * size / clock.Elapsed.TotalSeconds));

            async Task RunAsync()
            {
                var result = await engine.RunAsync(new InferenceRequest(modelHash, inputs, DateTimeOffset.UtcNow.AddMinutes(1)));
                if (result.Outputs[0].Shape[0] != size) throw new InvalidOperationException($"a run of {size} sentences returned {result.Outputs[0].Shape[0]} rows");
            }
        }
        return results;
    }
}
