using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Inference;

namespace Cerebrum.Tests.Daemon;

[TestFixture]
public sealed class DoctorCommandTests
{
    private TemporaryDirectory _directory = null!;
    private DataDirectory _data = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = TemporaryDirectory.Create();
        _data = new DataDirectory(Path.Combine(_directory.Path, "node"));
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task HealthyNode_PassesEveryCheck_WithADryRunAndABenchmarkFigure()
    {
        InitNode();
        using (var store = new ModelStore(_data.Root))
            store.Add(OnnxTestModels.Write(_directory.Path, "add.onnx", OnnxTestModels.AddFloat()), "add");

        var (exitCode, stdout) = await DoctorAsync();

        Assert.That(exitCode, Is.Zero, stdout);
        Assert.That(stdout, Does.Contain("ok    model add: sha256:").And.Contain("answers a dry run"));
        Assert.That(stdout, Does.Contain("ok    benchmark: add: dry-run latency p50"));
        Assert.That(stdout, Does.Contain("ok    listen /ip4/127.0.0.1/tcp/0: bindable"));
        Assert.That(stdout, Does.EndWith("all checks passed" + Environment.NewLine));
    }

    [Test]
    public async Task CorruptModelFile_FailsItsCheck_WithTheReasonAndAFix()
    {
        InitNode();
        string hash;
        using (var store = new ModelStore(_data.Root))
        {
            hash = store.Add(OnnxTestModels.Write(_directory.Path, "add.onnx", OnnxTestModels.AddFloat()), "add").Hash;
            File.WriteAllBytes(store.ModelPath(hash), [1, 2, 3]);
        }

        var (exitCode, stdout) = await DoctorAsync();

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Does.Contain($"FAIL  model {hash}:").And.Contain("corrupt").And.Contain("cerebrum model add"));
    }

    [Test]
    public async Task NodeModeWithAnEmptyStore_FailsTheModelsCheck()
    {
        InitNode();

        var (exitCode, stdout) = await DoctorAsync();

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Does.Contain("FAIL  models: ").And.Contain("cerebrum model add --builtin all-minilm-l6-v2"));
    }

    [Test]
    public async Task MissingDataDirectory_FailsKeyAndConfig_WithTheInitCommand()
    {
        var (exitCode, stdout) = await DoctorAsync();

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Does.Contain($"FAIL  identity key: no {_data.KeyPath}; run 'cerebrumd init --data-dir {_data.Root}'"));
        Assert.That(stdout, Does.Contain("FAIL  config: no "));
    }

    [Test]
    public async Task DotnetRun_TakesARelativeDataDirectoryFromTheCallersFolder()
    {
        // 'dotnet run --project Cerebrum.Daemon' once started the daemon in Cerebrum.Daemon/, unlike the CLI.
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = _directory.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["run", "--project", Path.Combine(TestSupport.RepositoryRoot.Path, "Cerebrum.Daemon"), "-c", "Release", "--no-build",
                     "--", "doctor", "--data-dir", Path.Combine(".data", "node")])
            info.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.That((await stdout).Split('\n')[0], Is.EqualTo($"data dir {Path.Combine(_directory.Path, ".data", "node")}"), await stderr);
    }

    private void InitNode()
    {
        InitCommand.Run(_data, TextWriter.Null);
        File.WriteAllText(_data.ConfigPath, """{"Modes":["node"],"Network":{"ListenAddresses":["/ip4/127.0.0.1/tcp/0"]}}""");
    }

    private async Task<(int ExitCode, string Stdout)> DoctorAsync()
    {
        using var stdout = new StringWriter();
        var exitCode = await CerebrumdCommandLine.RunAsync(["doctor", "--data-dir", _data.Root], stdout, TextWriter.Null).WaitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, stdout.ToString());
    }
}
