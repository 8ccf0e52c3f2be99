using System.Diagnostics;
using System.Runtime.InteropServices;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The node's side of the work: builds the challenge model's ONNX bytes and input, runs them with ONNX Runtime on the
/// node's device, and commits to the output rows with a Merkle tree, keeping the rows to open the ones asked for.
/// </summary>
public sealed class ChallengeSolution
{
    private readonly float[] _output;
    private readonly MerkleTree _tree;
    private readonly int _width;

    private ChallengeSolution(float[] output, int width, MerkleTree tree, TimeSpan computeTime)
    {
        _output = output;
        _width = width;
        _tree = tree;
        ComputeTime = computeTime;
    }

    public byte[] OutputRoot => _tree.Root;

    /// <summary>From the start of model generation to the root: what the node reports as its compute time.</summary>
    public TimeSpan ComputeTime { get; }

    /// <summary>Runs <paramref name="model"/> on <paramref name="device"/>; cancellation stops ONNX Runtime mid-run.</summary>
    /// <exception cref="OnnxRuntimeException">The runtime refused the model or the device.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ChallengeSolution Run(ChallengeModel model, ChallengeDevice device, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var shape = model.Shape;
        var onnx = model.BuildOnnx();
        var input = model.Input();
        ct.ThrowIfCancellationRequested();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (device.IntraOpThreads > 0) options.IntraOpNumThreads = device.IntraOpThreads;
        if (device.Cuda) options.AppendExecutionProvider_CUDA(device.DeviceId);
        using var session = new InferenceSession(onnx, options);
        using var runOptions = new RunOptions();
        using var cancel = ct.Register(() => runOptions.Terminate = true);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [shape.Rows, shape.Width]);
        float[] output;
        try
        {
            using var outputs = session.Run(runOptions, [ChallengeModel.InputName], [inputValue], [ChallengeModel.OutputName]);
            output = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        catch (OnnxRuntimeException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("the challenge run was cancelled", ct);
        }
        var bytes = MemoryMarshal.AsBytes(output.AsSpan());
        var rowBytes = shape.Width * sizeof(float);
        var leaves = new byte[shape.Rows][];
        for (var r = 0; r < shape.Rows; r++) leaves[r] = MerkleTree.LeafHash(bytes.Slice(r * rowBytes, rowBytes));
        var tree = MerkleTree.Build(leaves);
        return new ChallengeSolution(output, shape.Width, tree, clock.Elapsed);
    }

    /// <summary>Row <paramref name="row"/> with its inclusion proof.</summary>
    public RowOpening Open(int row)
    {
        var opening = new RowOpening
        {
            Row = (uint)row,
            Values = ByteString.CopyFrom(MemoryMarshal.AsBytes(_output.AsSpan(row * _width, _width))),
        };
        opening.Proof.AddRange(_tree.Proof(row).Select(ByteString.CopyFrom));
        return opening;
    }
}
