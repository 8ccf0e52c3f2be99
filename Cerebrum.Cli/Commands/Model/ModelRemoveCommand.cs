using System.CommandLine;
using Cerebrum.Cli.Inference;

namespace Cerebrum.Cli.Commands.Model;

/// <summary><c>cerebrum model remove NAME|HASH</c>.</summary>
public static class ModelRemoveCommand
{
    public static Command Create()
    {
        var modelArgument = new Argument<string>("MODEL")
        {
            Description = "The model's name or its hash (sha256:<hex>).",
        };
        var dataDirectoryOption = ModelCommand.DataDirectory();
        var command = new Command("remove", "Delete a model's file and record from the store.")
        {
            modelArgument,
            dataDirectoryOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, _) =>
        {
            var reference = parseResult.GetValue(modelArgument)!;
            using var local = LocalModelStore.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var store = local.Store;
            var model = store.Find(reference) ?? throw new CommandFailedException($"no model '{reference}' in the store {store.DataDirectory}");
            store.Remove(model.Hash);
            await stdout.WriteLineAsync($"removed {model.Name} {model.Hash}");
            return 0;
        });
        return command;
    }
}
