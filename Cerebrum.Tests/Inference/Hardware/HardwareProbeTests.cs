using Cerebrum.Core.Inference.Hardware;

namespace Cerebrum.Tests.Inference.Hardware;

[TestFixture]
public sealed class HardwareProbeTests
{
    [Test]
    public void ParseNvidiaSmiCsv_ReadsEveryGpu()
    {
        const string csv = "NVIDIA GeForce RTX 4090, 24564, 550.54.14\nNVIDIA A100-SXM4-80GB, 81920, 535.104.05\n\n";

        var gpus = HardwareProbe.ParseNvidiaSmiCsv(csv);

        Assert.That(gpus, Is.EqualTo(new[]
        {
            new GpuInfo("NVIDIA GeForce RTX 4090", 24564L * 1024 * 1024, "550.54.14"),
            new GpuInfo("NVIDIA A100-SXM4-80GB", 81920L * 1024 * 1024, "535.104.05"),
        }));
    }

    [Test]
    public void ParseNvidiaSmiCsv_SkipsMalformedLines()
    {
        var gpus = HardwareProbe.ParseNvidiaSmiCsv("No devices were found\r\nTesla T4, [N/A], 470.1\r\nTesla T4, 15360, 470.1\r\n");

        Assert.That(gpus.Select(g => g.Name), Is.EqualTo(new[] { "Tesla T4" }));
        Assert.That(gpus[0].MemoryBytes, Is.EqualTo(15360L * 1024 * 1024));
    }

    [Test]
    public async Task Probe_ReportsThisMachine()
    {
        var info = await HardwareProbe.ProbeAsync(TimeSpan.FromSeconds(10));

        Assert.That(info.LogicalCores, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(info.MemoryBytes, Is.GreaterThan(64L * 1024 * 1024));
        Assert.That(info.OperatingSystem, Is.Not.Empty);
        Assert.That(info.CpuModel, Is.Not.Empty);
        // Either GPUs were listed or the probe says why there are none.
        Assert.That(info.Gpus.Count > 0 || !string.IsNullOrEmpty(info.GpuProbeNote), Is.True);
    }
}
