using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Inference;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Cli.Commands.Model;

/// <summary><c>cerebrum model list</c>: the models in the store.</summary>
public static class ModelListCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = ModelCommand.DataDirectory();
        var jsonOption = CommonOptions.Json("the stored models (name, hash, sizeBytes, opset, task, inputs, outputs)");
        var command = new Command("list", "List the models in the store: name, hash, size, and each input and output as name: datatype[shape] (a name or ? marks a dynamic dimension).")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, _) =>
        {
            IReadOnlyList<ModelInfo> models;
            using (var local = LocalModelStore.Open(parseResult.ResolveDataDirectory(dataDirectoryOption)))
                models = local.Store.List();
            if (parseResult.GetValue(jsonOption))
            {
                var output = models.Select(m => new
                {
                    m.Name,
                    m.Hash,
                    m.SizeBytes,
                    m.Opset,
                    m.Task,
                    Inputs = m.Inputs.Select(Describe).ToList(),
                    Outputs = m.Outputs.Select(Describe).ToList(),
                });
                await stdout.WriteLineAsync(JsonSerializer.Serialize(output, CliJson.Options));
                return 0;
            }
            if (models.Count == 0)
            {
                await stdout.WriteLineAsync($"no models; add one with 'cerebrum model add FILE --name NAME' or 'cerebrum model add --builtin {BuiltinModels.AllMiniLmL6V2}'");
                return 0;
            }
            foreach (var model in models)
            {
                await stdout.WriteLineAsync($"{model.Name} {model.Hash}");
                WriteDetails(stdout, model);
            }
            return 0;
        });
        return command;
    }

    /// <summary>Indented size, opset, task, inputs and outputs of one model.</summary>
    public static void WriteDetails(TextWriter stdout, ModelInfo model)
    {
        stdout.WriteLine($"  size     {model.SizeBytes} bytes, opset {model.Opset}{(model.Task.Length > 0 ? $", {model.Task}" : "")}");
        foreach (var input in model.Inputs)
            stdout.WriteLine($"  input    {Signature(input)}");
        foreach (var output in model.Outputs)
            stdout.WriteLine($"  output   {Signature(output)}");
    }

    private static string Signature(TensorSignature t) =>
        $"{t.Name}: {TensorDataTypes.ToKServeName(t.DataType)}[{string.Join(", ", t.Dimensions.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : t.DimensionNames[i].Length > 0 ? t.DimensionNames[i] : "?"))}]";

    private static object Describe(TensorSignature t) => new { t.Name, Datatype = TensorDataTypes.ToKServeName(t.DataType), Shape = t.Dimensions };
}
