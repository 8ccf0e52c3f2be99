using System.CommandLine;
using Cerebrum.Cli.Inference;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Cli.Commands.Model;

/// <summary><c>cerebrum model add FILE --name NAME</c> and <c>cerebrum model add --builtin all-minilm-l6-v2</c>.</summary>
public static class ModelAddCommand
{
    public static Command Create()
    {
        var fileArgument = new Argument<string?>("FILE")
        {
            Description = "The ONNX model file to copy into the store (omit with --builtin).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var nameOption = new Option<string?>("--name", "-n")
        {
            Description = "Local alias of the model (1-128 characters, no spaces). Required with FILE; with --builtin it defaults to the built-in name.",
            HelpName = "NAME",
        };
        var builtinOption = new Option<string?>("--builtin")
        {
            Description = $"Import a model that ships with Cerebrum instead of a file: {string.Join(", ", BuiltinModels.Names)}.",
            HelpName = "MODEL",
        };
        var expectHashOption = new Option<string?>("--hash")
        {
            Description = "Refuse the file unless its SHA-256 is exactly this (sha256:<64 hex digits>).",
            HelpName = "HASH",
        };
        var dataDirectoryOption = ModelCommand.DataDirectory();
        var command = new Command("add", "Copy an ONNX model into the store under its SHA-256 (sha256:<hex>) and record its name, size, opset, inputs and outputs. A file that is not valid ONNX, does not load in ONNX Runtime or does not match --hash is refused with the reason. Prints the stored model.")
        {
            fileArgument,
            nameOption,
            builtinOption,
            expectHashOption,
            dataDirectoryOption,
        };
        command.SetGuardedAction((parseResult, stdout, _) =>
        {
            var file = parseResult.GetValue(fileArgument);
            var name = parseResult.GetValue(nameOption);
            var builtin = parseResult.GetValue(builtinOption);
            if (file is null == builtin is null)
                throw new CommandFailedException("give either FILE (with --name) or --builtin <model>");
            if (builtin is not null && !BuiltinModels.Names.Contains(builtin, StringComparer.OrdinalIgnoreCase))
                throw new CommandFailedException($"unknown built-in model '{builtin}' (known: {string.Join(", ", BuiltinModels.Names)})");
            if (file is not null && string.IsNullOrWhiteSpace(name))
                throw new CommandFailedException("--name NAME is required when adding a file");

            using var local = LocalModelStore.Open(parseResult.ResolveDataDirectory(dataDirectoryOption, create: true));
            var store = local.Store;
            ModelInfo model;
            try
            {
                if (builtin is not null)
                {
                    model = store.AddBuiltin(builtin, name);
                }
                else
                {
                    model = store.Add(file!, name!, parseResult.GetValue(expectHashOption));
                }
            }
            catch (ModelRejectedException e)
            {
                throw new CommandFailedException(e.Message);
            }
            catch (ArgumentException e)
            {
                throw new CommandFailedException(e.Message.Split(" (Parameter", 2)[0]);
            }
            stdout.WriteLine($"added {model.Name} {model.Hash}");
            ModelListCommand.WriteDetails(stdout, model);
            return Task.FromResult(0);
        });
        return command;
    }
}
