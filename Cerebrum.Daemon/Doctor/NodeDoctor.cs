using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Node;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Daemon.Doctor;

/// <summary>
/// The checks of <c>cerebrumd doctor</c>: identity key, config, listen addresses, each model to serve (loads and answers
/// a dry run of zero tensors), GPU, and a short benchmark. Each failure says what to do.
/// </summary>
public static class NodeDoctor
{
    private static readonly string[] BenchmarkSentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Decentralized networks route inference jobs to GPU suppliers.",
        "A node keeps its models warm in memory.",
        "Validators check that nodes answer correctly and fast.",
    ];

    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(DataDirectory dataDirectory, Action<DoctorCheck> report, CancellationToken cancellationToken)
    {
        var checks = new List<DoctorCheck>();
        void Add(DoctorCheck check)
        {
            checks.Add(check);
            report(check);
        }

        Add(CheckKey(dataDirectory));
        var options = LoadOptions(dataDirectory, Add);
        if (options is null)
            return checks;
        foreach (var address in options.Network.ListenAddresses)
            Add(CheckBindable(address));
        await CheckModelsAsync(dataDirectory, options, Add, cancellationToken);
        return checks;
    }

    private static DoctorCheck CheckKey(DataDirectory dataDirectory)
    {
        if (!File.Exists(dataDirectory.KeyPath))
            return DoctorCheck.Fail("identity key", $"no {dataDirectory.KeyPath}; run 'cerebrumd init --data-dir {dataDirectory.Root}'");
        try
        {
            using var key = KeyFile.Load(dataDirectory.KeyPath);
            return DoctorCheck.Ok("identity key", $"{dataDirectory.KeyPath}, peer id {key.PeerId}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return DoctorCheck.Fail("identity key", $"{e.Message}; restore the key from a backup, or move it away and run 'cerebrumd init' for a new identity");
        }
    }

    private static DaemonOptions? LoadOptions(DataDirectory dataDirectory, Action<DoctorCheck> add)
    {
        if (!File.Exists(dataDirectory.ConfigPath))
        {
            add(DoctorCheck.Fail("config", $"no {dataDirectory.ConfigPath}; run 'cerebrumd init --data-dir {dataDirectory.Root}' to write the defaults"));
            return null;
        }
        try
        {
            var options = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(dataDirectory), new CommandLineOverrides());
            add(DoctorCheck.Ok("config", $"{dataDirectory.ConfigPath}, modes: {(options.Modes.Count == 0 ? "none (plain network daemon)" : string.Join(",", options.Modes))}"));
            return options;
        }
        catch (InvalidConfigurationException e)
        {
            add(DoctorCheck.Fail("config", $"{string.Join("; ", e.Errors)}; fix {dataDirectory.ConfigPath} or the CEREBRUM__ environment variables"));
            return null;
        }
    }

    private static DoctorCheck CheckBindable(string text)
    {
        var name = $"listen {text}";
        var address = Multiaddress.Parse(text);
        if (!address.TryGetTcpEndpoint(out var host, out var port, out _, out _) || !IPAddress.TryParse(host, out var ip))
            return DoctorCheck.Fail(name, "not an /ip4 or /ip6 TCP address");
        try
        {
            var listener = new TcpListener(ip, port);
            listener.Start();
            listener.Stop();
            return DoctorCheck.Ok(name, "bindable");
        }
        catch (SocketException e)
        {
            return DoctorCheck.Fail(name, $"cannot bind ({e.Message}): another process uses the port (a running cerebrumd?), or the address is not on this machine; change Network:ListenAddresses or pass --listen");
        }
    }

    private static async Task CheckModelsAsync(DataDirectory dataDirectory, DaemonOptions options, Action<DoctorCheck> add, CancellationToken cancellationToken)
    {
        var nodeMode = options.HasMode(DaemonModes.Node);
        FileStream directoryLock;
        try
        {
            directoryLock = new FileStream(dataDirectory.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            add(DoctorCheck.Fail("models", $"a cerebrumd is running with {dataDirectory.Root} and owns its model store; stop it to let doctor load the models"));
            return;
        }
        await using (directoryLock)
        {
            using var store = ModelStoreAccess.Open(dataDirectory);
            var models = NodeEngineOptions.ModelsToServe(options.Node, store);
            if (models.Count == 0)
            {
                var message = $"the store in {dataDirectory.Root} has no model; add one with 'cerebrum model add --builtin {BuiltinModels.AllMiniLmL6V2} --data-dir {dataDirectory.Root}'";
                add(nodeMode ? DoctorCheck.Fail("models", message) : DoctorCheck.Ok("models", message + " (node mode is not configured)"));
            }
            await using var engine = InferenceEngine.Start(NodeEngineOptions.From(options.Node, models), store, NullLogger.Instance);
            foreach (var failure in engine.LoadFailures)
                add(DoctorCheck.Fail($"model {failure.Model}", $"{failure.Reason}; re-add it with 'cerebrum model add' or remove it from Node:Models"));
            foreach (var model in engine.Models)
                add(await DryRunAsync(engine, model, cancellationToken));
            add(CheckGpu(engine.Gpu, await HardwareProbe.ProbeAsync(TimeSpan.FromSeconds(5), cancellationToken)));
            if (engine.Models.Count > 0)
                add(await BenchmarkAsync(engine, cancellationToken));
        }
    }

    /// <summary>Zero tensors of the model's input signature, dynamic dimensions set to 1.</summary>
    public static IReadOnlyList<Tensor> ZeroInputs(ModelInfo model) =>
        [.. model.Inputs.Select(input =>
        {
            long[] shape = [.. input.Dimensions.Select(d => d < 0 ? 1 : d)];
            var count = Tensor.CountElements(shape) ?? 0;
            return new Tensor(input.Name, input.DataType, shape, new byte[count * TensorDataTypes.SizeOf(input.DataType)]);
        })];

    private static async Task<DoctorCheck> DryRunAsync(InferenceEngine engine, ModelInfo model, CancellationToken cancellationToken)
    {
        var name = $"model {model.Name}";
        try
        {
            var watch = Stopwatch.StartNew();
            var result = await engine.RunAsync(new InferenceRequest(model.Hash, ZeroInputs(model), DateTimeOffset.UtcNow.AddMinutes(1)), cancellationToken);
            return DoctorCheck.Ok(name, $"{model.Hash} loads and answers a dry run ({result.Outputs.Count} output(s), {Ms(watch.Elapsed)} ms)");
        }
        catch (InferenceException e)
        {
            return DoctorCheck.Fail(name, $"dry run of zero inputs failed ({e.Code}: {e.Message}); the model may need inputs of specific sizes, or be broken: re-export it or remove it");
        }
    }

    private static DoctorCheck CheckGpu(GpuStatus gpu, HardwareInfo hardware)
    {
        var gpus = hardware.Gpus.Count == 0
            ? hardware.GpuProbeNote ?? "no GPU found"
            : string.Join(", ", hardware.Gpus.Select(g => $"{g.Name} {g.MemoryBytes / (1024 * 1024)} MiB driver {g.Driver}"));
        var machine = $"{hardware.CpuModel}, {hardware.LogicalCores} cores, {hardware.MemoryBytes / (1024 * 1024 * 1024.0):0.#} GiB; GPUs: {gpus}";
        if (gpu.Active)
            return DoctorCheck.Ok("gpu", $"CUDA execution provider active; {machine}");
        if (gpu.Requested)
            return DoctorCheck.Fail("gpu", $"Node:Gpu is set but CUDA is not usable ({gpu.Reason}); install the NVIDIA driver, CUDA 12 and cuDNN 9, or set Node:Gpu to false to run on CPU. {machine}");
        return DoctorCheck.Ok("gpu", $"not requested (Node:Gpu false or --gpu absent), running on CPU; {machine}");
    }

    private static async Task<DoctorCheck> BenchmarkAsync(InferenceEngine engine, CancellationToken cancellationToken)
    {
        var minilm = engine.Models.FirstOrDefault(m => m.Task == ModelTasks.TextEmbedding);
        var rounds = 8;
        if (minilm is not null)
        {
            await engine.EmbedAsync(BenchmarkSentences, minilm.Hash, ct: cancellationToken); // warm-up
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < rounds; i++)
                await engine.EmbedAsync(BenchmarkSentences, minilm.Hash, ct: cancellationToken);
            var rate = rounds * BenchmarkSentences.Length / watch.Elapsed.TotalSeconds;
            return DoctorCheck.Ok("benchmark", $"{minilm.Name}: {rate.ToString("0.0", CultureInfo.InvariantCulture)} embeddings/s (batches of {BenchmarkSentences.Length} short sentences)");
        }
        var model = engine.Models[0];
        var inputs = ZeroInputs(model);
        var times = new List<double>();
        for (var i = 0; i < rounds + 1; i++)
        {
            var watch = Stopwatch.StartNew();
            await engine.RunAsync(new InferenceRequest(model.Hash, inputs, DateTimeOffset.UtcNow.AddMinutes(1)), cancellationToken);
            if (i > 0) times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return DoctorCheck.Ok("benchmark", $"{model.Name}: dry-run latency p50 {times[times.Count / 2].ToString("0.000", CultureInfo.InvariantCulture)} ms");
    }

    private static string Ms(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
