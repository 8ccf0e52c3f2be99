namespace Cerebrum.Core.Inference.Hardware;

/// <summary>Whether the engine runs on CUDA, and if it was requested but is not, why.</summary>
public sealed record GpuStatus(bool Requested, bool Active, string? Reason)
{
    public string Describe() => Active ? "CUDA execution provider active"
        : Requested ? $"CUDA requested but not usable ({Reason}); running on CPU"
        : "running on CPU (GPU not requested)";
}
