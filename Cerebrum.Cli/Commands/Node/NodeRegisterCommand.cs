using System.CommandLine;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Verification;

namespace Cerebrum.Cli.Commands.Node;

/// <summary>
/// <c>cerebrum node register --stake N --region R</c>: a RegisterNode transaction from the local daemon's key, bonding N
/// micro-CER (the node's total stake must reach the chain's minimum) and claiming its hardware and throughput, which
/// the throughput measured here on challenge models unless given.
/// </summary>
public static class NodeRegisterCommand
{
    public static Command Create()
    {
        var stakeOption = new Option<ulong>("--stake")
        {
            Description = "Micro-CER to bond to the node from the account's balance (added to any stake it already has); the total must reach the genesis params' minNodeStake.",
            HelpName = "N",
            Required = true,
        };
        var regionOption = new Option<string>("--region")
        {
            Description = "Where the node runs, e.g. eu-west. Validators' latency probes can refute it.",
            HelpName = "REGION",
            Required = true,
        };
        var hardwareOption = new Option<string?>("--hardware")
        {
            Description = "The claimed hardware, e.g. \"NVIDIA RTX 4090\" (default: the first GPU with --gpu, else the CPU model, as probed here). Nodes claiming the same hardware are scored against each other.",
            HelpName = "TEXT",
        };
        var modelOption = new Option<string[]>("--model")
        {
            Description = "A served model's hash (sha256:<hex>), registered on the ledger. Repeat for several.",
            HelpName = "HASH",
        };
        var claimOption = new Option<ulong?>("--claimed-mflops")
        {
            Description = "The throughput to claim, in MFLOPS on challenge models (default: measured here now, the median of three runs).",
            HelpName = "N",
        };
        var gpuOption = new Option<bool>("--gpu")
        {
            Description = "Claim a CUDA device: validators then challenge it with GPU-sized models (and the default claim is measured on CUDA).",
        };
        stakeOption.Check(value => value == 0 ? "--stake must be a positive whole number of micro-CER" : null);
        claimOption.Check(value => value == 0 ? "--claimed-mflops must be positive" : null);
        var options = new TransactionOptions();
        var command = new Command("register", "Register (or update) this daemon's node on the ledger: bond stake and claim hardware, throughput, region and models. It is Registered until validators' hardware checks make it Active.")
        {
            stakeOption,
            regionOption,
            hardwareOption,
            modelOption,
            claimOption,
            gpuOption,
        };
        options.AddTo(command);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var gpu = parseResult.GetValue(gpuOption);
            var hardware = parseResult.GetValue(hardwareOption) ?? await ProbedHardwareAsync(gpu, cancellationToken);
            var claim = parseResult.GetValue(claimOption);
            if (claim is null)
            {
                claim = MeasureClaim(gpu, cancellationToken);
                await stdout.WriteLineAsync($"measured {claim} MFLOPS on challenge models ({(gpu ? "CUDA" : "CPU")}); claiming that");
            }
            var register = new RegisterNode
            {
                Stake = parseResult.GetValue(stakeOption),
                Region = parseResult.GetValue(regionOption)!,
                Hardware = hardware,
                ClaimedMflops = claim.Value,
                Gpu = gpu,
            };
            register.ModelHashes.AddRange(parseResult.GetValue(modelOption) ?? []);
            return await TransactionSender.SendAsync(parseResult, options, new Transaction { RegisterNode = register }, stdout, cancellationToken);
        });
        return command;
    }

    private static async Task<string> ProbedHardwareAsync(bool gpu, CancellationToken cancellationToken)
    {
        var probed = await HardwareProbe.ProbeAsync(TimeSpan.FromSeconds(10), cancellationToken);
        if (gpu && probed.Gpus.Count > 0) return probed.Gpus[0].Name;
        return probed.CpuModel;
    }

    private static ulong MeasureClaim(bool gpu, CancellationToken cancellationToken)
    {
        try
        {
            return ChallengeBenchmark.MeasureMflops(new ChallengeDevice(Cuda: gpu), ChallengeBenchmark.ShapeFor(gpu), ct: cancellationToken);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new CommandFailedException($"cannot measure the throughput to claim{(gpu ? " on CUDA" : "")}: {e.Message.Split('\n')[0]}; give it with --claimed-mflops");
        }
    }
}
