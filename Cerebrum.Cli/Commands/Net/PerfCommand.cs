using System.CommandLine;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net perf</c>: the libp2p perf protocol client (/perf/1.0.0, libp2p/specs perf/perf.md).</summary>
public static class PerfCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("measure throughput to");
        var uploadOption = new Option<long>("--upload", "-u")
        {
            Description = "Bytes to send to the peer on each stream.",
            HelpName = "BYTES",
            Required = true,
        };
        var downloadOption = new Option<long>("--download", "-D")
        {
            Description = "Bytes to ask the peer to send back on each stream.",
            HelpName = "BYTES",
            Required = true,
        };
        var streamsOption = new Option<int>("--streams", "-s")
        {
            Description = "Number of perf streams run in parallel over the one connection.",
            HelpName = "K",
            DefaultValueFactory = _ => 1,
        };
        uploadOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 0)
                result.AddError("--upload must not be negative");
        });
        downloadOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 0)
                result.AddError("--download must not be negative");
        });
        streamsOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--streams must be at least 1");
        });
        var jsonOption = CommonOptions.Json("the measurement (uploadBytes, downloadBytes, streams, seconds, uploadMBps, downloadMBps)");
        var timeoutOption = CommonOptions.Timeout();
        var command = new Command("perf", "Measure throughput to a peer with the libp2p perf protocol (/perf/1.0.0): upload and download the given byte counts on K parallel streams, then print upload and download MB/s and the total seconds.")
        {
            addressArgument,
            uploadOption,
            downloadOption,
            streamsOption,
            jsonOption,
            timeoutOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            throw new CommandFailedException("net perf needs the libp2p host, which this build lacks"));
        return command;
    }
}
