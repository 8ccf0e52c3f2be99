namespace Cerebrum.Core.Inference.Hardware;

/// <summary>One GPU as nvidia-smi reports it.</summary>
public sealed record GpuInfo(string Name, long MemoryBytes, string Driver);
