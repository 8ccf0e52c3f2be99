namespace Cerebrum.Core.Verification;

/// <summary>Where a node runs challenge models: the device its inference engine uses (CUDA when active, else CPU).</summary>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.</param>
public sealed record ChallengeDevice(bool Cuda = false, int DeviceId = 0, int IntraOpThreads = 0)
{
    public static ChallengeDevice Cpu { get; } = new();
}
