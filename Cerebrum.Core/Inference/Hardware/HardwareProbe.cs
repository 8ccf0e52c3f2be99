using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cerebrum.Core.Inference.Hardware;

/// <summary>Reads OS, CPU, memory and NVIDIA GPUs (through nvidia-smi when it is installed).</summary>
public static class HardwareProbe
{
    private const string NvidiaSmiArguments = "--query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits";

    /// <param name="timeout">Longest wait for nvidia-smi, which can hang on a wedged driver.</param>
    public static async Task<HardwareInfo> ProbeAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var (gpus, note) = await ProbeNvidiaAsync(timeout, ct).ConfigureAwait(false);
        return new HardwareInfo(
            RuntimeInformation.OSDescription,
            RuntimeInformation.OSArchitecture.ToString(),
            CpuModel(),
            Environment.ProcessorCount,
            MemoryBytes(),
            gpus,
            note);
    }

    /// <summary>
    /// Parses nvidia-smi's "name, memory.total [MiB], driver_version" CSV (noheader, nounits), one GPU a line.
    /// Lines that do not have three fields or a numeric memory are skipped.
    /// </summary>
    public static IReadOnlyList<GpuInfo> ParseNvidiaSmiCsv(string csv)
    {
        var gpus = new List<GpuInfo>();
        foreach (var rawLine in csv.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0) continue;
            // A GPU name has no commas in practice; split from the right so that one would stay in the name.
            var lastComma = line.LastIndexOf(',');
            if (lastComma < 0) continue;
            var secondComma = line.LastIndexOf(',', lastComma - 1);
            if (secondComma < 0) continue;
            var name = line[..secondComma].Trim();
            var memory = line[(secondComma + 1)..lastComma].Trim();
            var driver = line[(lastComma + 1)..].Trim();
            if (name.Length == 0 || !long.TryParse(memory, out var mebibytes)) continue;
            gpus.Add(new GpuInfo(name, mebibytes * 1024 * 1024, driver));
        }
        return gpus;
    }

    private static async Task<(IReadOnlyList<GpuInfo> Gpus, string? Note)> ProbeNvidiaAsync(TimeSpan timeout, CancellationToken ct)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("nvidia-smi", NvidiaSmiArguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            }) ?? throw new InvalidOperationException("nvidia-smi did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return ([], "nvidia-smi not found: no NVIDIA GPU or driver");
        }
        using (process)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            try
            {
                var output = process.StandardOutput.ReadToEndAsync(limit.Token);
                var error = process.StandardError.ReadToEndAsync(limit.Token);
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
                if (process.ExitCode != 0)
                    return ([], $"nvidia-smi failed ({process.ExitCode}): {(await error.ConfigureAwait(false)).Trim()}");
                return (ParseNvidiaSmiCsv(await output.ConfigureAwait(false)), null);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return ([], $"nvidia-smi did not answer within {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    private static string CpuModel()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    // x86 says "model name"; some ARM kernels only say "Hardware" or "Processor".
                    if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Hardware", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
                }
            }
            catch (IOException)
            {
            }
        }
        if (OperatingSystem.IsWindows() && Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") is { Length: > 0 } id)
            return id;
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static long MemoryBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/meminfo"))
                {
                    if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                    var kib = line["MemTotal:".Length..].Trim().Split(' ')[0];
                    if (long.TryParse(kib, out var value)) return value * 1024;
                }
            }
            catch (IOException)
            {
            }
        }
        // Elsewhere the GC's view: physical memory, or the container limit when one applies.
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
