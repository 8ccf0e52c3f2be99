using System.Buffers;
using Cerebrum.Core.Inference.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Cerebrum.Core.Inference.Tensors.Tensor;

namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>A warm ONNX Runtime session for one model: raw-byte tensors in, raw-byte tensors out.</summary>
internal sealed class OnnxModelRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _outputNames;

    public OnnxModelRunner(InferenceSession session)
    {
        _session = session;
        _outputNames = [.. session.OutputMetadata.Keys];
    }

    /// <summary>Runs once. Thread-safe: ONNX Runtime allows concurrent Run calls on one session.</summary>
    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs)
    {
        var handles = new List<MemoryHandle>(inputs.Count);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var input in inputs)
            {
                var handle = input.Data.Pin();
                handles.Add(handle);
                unsafe
                {
                    values.Add(OrtValue.CreateTensorValueWithData(
                        OrtMemoryInfo.DefaultInstance, (TensorElementType)input.DataType, [.. input.Shape], (IntPtr)handle.Pointer, input.Data.Length));
                }
            }
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, _outputNames);
            var result = new List<Tensor>(outputs.Count);
            var index = 0;
            foreach (var output in outputs)
            {
                var info = output.GetTensorTypeAndShape();
                var type = TensorDataTypes.FromOnnx((int)info.ElementDataType)
                    ?? throw new InvalidOperationException($"output '{_outputNames[index]}' has unsupported element type {info.ElementDataType}");
                result.Add(new Tensor(_outputNames[index], type, info.Shape, output.GetTensorMutableRawData().ToArray()));
                index++;
            }
            return result;
        }
        finally
        {
            foreach (var value in values) value.Dispose();
            foreach (var handle in handles) handle.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
