namespace Cerebrum.Core.Inference.Hardware;

/// <summary>What a node runs on, as announced in its status heartbeat and claimed at registration.</summary>
public sealed record HardwareInfo(
    string OperatingSystem,
    string Architecture,
    string CpuModel,
    int LogicalCores,
    long MemoryBytes,
    IReadOnlyList<GpuInfo> Gpus,
    string? GpuProbeNote);
