using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Cli.Inference;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Model;

/// <summary>
/// <c>cerebrum model register NAME|HASH [--name NAME] [--task TASK]</c>: a RegisterModel transaction for a model of the
/// local store, so that gateways with a ledger route it. The hash, task and input/output signatures are the store's
/// (asked of the running daemon, which owns the store, else read from DIR directly); the transaction goes the way of
/// every <c>tx</c> command.
/// </summary>
public static class ModelRegisterCommand
{
    public static Command Create()
    {
        var modelArgument = new Argument<string>("MODEL")
        {
            Description = "The stored model's name or hash (sha256:<hex>), as 'cerebrum model list' shows it.",
        };
        var nameOption = new Option<string?>("--name", "-n")
        {
            Description = "The name to register it under on the ledger (default: its name in the store). A name belongs to the first account that registers it; only that account registers new versions under it.",
            HelpName = "NAME",
        };
        var taskOption = new Option<string?>("--task")
        {
            Description = $"What the model is for, e.g. {ModelTasks.TextEmbedding} (default: what the store knows; required for a plain tensor model).",
            HelpName = "TASK",
        };
        var options = new TransactionOptions();
        var command = new Command("register", "Register a stored model on the ledger (RegisterModel): its hash, name, task and input/output signatures. Gateways with a ledger route only registered models. The model comes from the running daemon on DIR (node mode), else from DIR's store.")
        {
            modelArgument,
            nameOption,
            taskOption,
        };
        options.AddTo(command);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var reference = parseResult.GetValue(modelArgument)!;
            var directory = parseResult.ResolveDataDirectory(options.DataDirectory);
            var model = await FindAsync(directory, reference, cancellationToken);
            var name = parseResult.GetValue(nameOption) ?? model.Name;
            var task = parseResult.GetValue(taskOption) ?? model.Task;
            if (string.IsNullOrWhiteSpace(task))
                throw new CommandFailedException($"the store knows no task for {model.Name} {model.Hash} (a plain tensor model); say what it is for with --task TASK, e.g. --task tensor");
            // The ledger's own bounds, checked here too: through --peer a refused transaction would vanish without a word.
            if (name.Length is 0 or > RegisterModelHandler.MaxNameLength || name.Any(char.IsControl))
                throw new CommandFailedException($"--name must be 1 to {RegisterModelHandler.MaxNameLength} printable characters, not '{name}'");
            if (task.Length > RegisterModelHandler.MaxNameLength)
                throw new CommandFailedException($"--task must be at most {RegisterModelHandler.MaxNameLength} characters");
            var register = new RegisterModel
            {
                Hash = model.Hash,
                Name = name,
                Task = task,
                InputSignature = ModelSignatureText.Checked(ModelSignatureText.Of(model.Inputs), "inputs"),
                OutputSignature = ModelSignatureText.Checked(ModelSignatureText.Of(model.Outputs), "outputs"),
            };
            await stdout.WriteLineAsync($"registering {register.Hash} as '{register.Name}' ({register.Task})");
            return await TransactionSender.SendAsync(parseResult, options, new Transaction { RegisterModel = register }, stdout, cancellationToken);
        });
        return command;
    }

    private sealed record StoredModel(string Hash, string Name, string Task, IReadOnlyList<TensorResponse> Inputs, IReadOnlyList<TensorResponse> Outputs);

    /// <summary>A running daemon owns the store (and its lock): ask it; otherwise open the store.</summary>
    private static async Task<StoredModel> FindAsync(DataDirectory directory, string reference, CancellationToken cancellationToken)
    {
        if (AdminClient.IsAdvertised(directory))
        {
            using var admin = AdminClient.Open(directory);
            var served = await admin.GetAsync(AdminRoutes.Models, AdminJsonContext.Default.ListModelResponse, cancellationToken);
            var found = ModelHash.IsValid(reference)
                ? served.FirstOrDefault(m => m.Hash == ModelHash.Normalize(reference))
                : served.FirstOrDefault(m => m.Name == reference);
            return found is null
                ? throw new CommandFailedException($"the daemon on {directory.Root} serves no model '{reference}' (it serves: {(served.Count == 0 ? "none" : string.Join(", ", served.Select(m => m.Name)))}); add it with 'cerebrum model add' while the daemon is stopped")
                : new StoredModel(found.Hash, found.Name, found.Task, found.Inputs, found.Outputs);
        }
        using var local = LocalModelStore.Open(directory);
        var model = local.Store.Find(reference)
            ?? throw new CommandFailedException($"no model '{reference}' in the store {local.Store.DataDirectory}; add it with 'cerebrum model add'");
        return new StoredModel(model.Hash, model.Name, model.Task, [.. model.Inputs.Select(TensorResponse.Of)], [.. model.Outputs.Select(TensorResponse.Of)]);
    }
}
