using Cerebrum.Core.Inference.Hardware;

namespace Cerebrum.Daemon.Admin;

/// <summary>The hardware a node announces in its heartbeat.</summary>
public sealed record NodeHardwareResponse(string CpuModel, uint LogicalCores, ulong MemoryBytes, string OperatingSystem, string Architecture, IReadOnlyList<GpuInfo> Gpus);
