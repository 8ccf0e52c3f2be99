using System.CommandLine;

namespace Cerebrum.Cli.Commands.Model;

/// <summary><c>cerebrum model</c>: the data directory's content-addressed model store.</summary>
public static class ModelCommand
{
    public static Command Create() => new("model", "Manage the ONNX models in a data directory's store (DIR/models, metadata in DIR/cerebrum.db), which 'cerebrumd run --mode node' serves. The commands open the store directly, so stop a node daemon on the same directory first; restart it to serve the changes. 'model register' puts a stored model on the ledger.")
    {
        ModelAddCommand.Create(),
        ModelListCommand.Create(),
        ModelRemoveCommand.Create(),
        ModelRegisterCommand.Create(),
    };

    public static Option<string?> DataDirectory() => CommonOptions.DataDirectory("Data directory whose model store to use.");
}
