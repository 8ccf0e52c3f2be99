using System.Diagnostics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Bench.Gateway;

/// <summary>
/// The CPU one signed receipt costs for a tiny-model job, measured in the benchmark's own run: the node hashes the inputs
/// and outputs and signs (secp256k1), the gateway checks the hashes and the signature. It is a floor under what the routed
/// path spends per request beyond the baseline, which has no receipt.
/// </summary>
internal static class ReceiptCost
{
    public static (double SignMicros, double VerifyMicros) Measure(int iterations)
    {
        using var key = PrivateKey.Generate(KeyType.Secp256k1);
        var publicKey = key.PublicKey;
        var a = Floats("a", 1, 2, 3);
        var b = Floats("b", 1, 1, 1);
        var sum = Floats("sum", 2, 3, 4);
        var request = InferProtocolClient.CreateRequest("add", [a, b], DateTimeOffset.UtcNow.AddMinutes(1));
        var response = new InferResponse { JobId = request.JobId, ModelHash = "sha256:" + new string('0', 64) };
        response.Outputs.Add(WireTensors.ToWire(sum));

        // Warm-up, so that both measured loops run tiered-up code.
        for (var i = 0; i < iterations; i++) Sign();
        for (var i = 0; i < iterations; i++) Verify();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) Sign();
        var sign = clock.Elapsed.TotalMicroseconds / iterations;
        clock.Restart();
        for (var i = 0; i < iterations; i++) Verify();
        var verify = clock.Elapsed.TotalMicroseconds / iterations;
        return (sign, verify);

        // What the node does per job: the input hash (during the run) and the response's receipt (after it).
        void Sign() => InferReceipts.SignResponse(response, key, InferReceipts.HashTensors(request.Inputs));

        void Verify()
        {
            if (!InferReceipts.Verify(request, response, publicKey)) throw new InvalidOperationException("the benchmark's own receipt does not verify");
        }
    }

    private static Tensor Floats(string name, params float[] values) => Tensor.FromFloats(name, [1, values.Length], values);
}
