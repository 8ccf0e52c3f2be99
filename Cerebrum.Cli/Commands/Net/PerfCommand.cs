using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Perf;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net perf</c>: the libp2p perf protocol client (/perf/1.0.0, libp2p/specs perf/perf.md).</summary>
public static class PerfCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("measure throughput to");
        var uploadOption = new Option<long>("--upload", "-u")
        {
            Description = "Total bytes to send to the peer, split evenly across the streams.",
            HelpName = "BYTES",
            Required = true,
        };
        var downloadOption = new Option<long>("--download", "-D")
        {
            Description = "Total bytes to have the peer send back, split evenly across the streams.",
            HelpName = "BYTES",
            Required = true,
        };
        var streamsOption = new Option<int>("--streams", "-s")
        {
            Description = "Number of perf streams run in parallel over the one connection.",
            HelpName = "K",
            DefaultValueFactory = _ => 1,
        };
        uploadOption.Check(value => value < 0 ? "--upload must not be negative" : null);
        downloadOption.Check(value => value < 0 ? "--download must not be negative" : null);
        streamsOption.Check(value => value < 1 ? "--streams must be at least 1" : null);
        var jsonOption = CommonOptions.Json("the measurement (uploadBytes, downloadBytes, streams, uploadSeconds, downloadSeconds, totalSeconds, uploadMBps, downloadMBps)");
        var timeoutOption = CommonOptions.Timeout("Give up when connecting (TCP, Noise and Yamux handshakes) takes longer than this many seconds; the transfer itself is not limited (Ctrl+C stops it).");
        var command = new Command("perf", "Measure throughput to a peer with the libp2p perf protocol (/perf/1.0.0): upload and download the given byte counts on K parallel streams, then print upload and download MB/s and the total seconds.")
        {
            addressArgument,
            uploadOption,
            downloadOption,
            streamsOption,
            jsonOption,
            timeoutOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            await using var peer = await DirectConnection.OpenAsync(parseResult.GetValue(addressArgument)!, timeout, cancellationToken);
            PerfResult result;
            try
            {
                result = await peer.Host.PerfAsync(peer.Connection, parseResult.GetValue(uploadOption), parseResult.GetValue(downloadOption),
                    parseResult.GetValue(streamsOption), cancellationToken);
            }
            catch (ProtocolNotSupportedException)
            {
                throw new CommandFailedException(DialFailureText.ProtocolNotSupported(PerfService.ProtocolId));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException)
            {
                throw new CommandFailedException($"perf failed: {e.Message}");
            }

            var output = new PerfOutput(
                UploadBytes: result.UploadBytes,
                DownloadBytes: result.DownloadBytes,
                Streams: result.Streams,
                UploadSeconds: result.UploadTime.TotalSeconds,
                DownloadSeconds: result.DownloadTime.TotalSeconds,
                TotalSeconds: result.Total.TotalSeconds,
                UploadMBps: result.UploadMegabytesPerSecond,
                DownloadMBps: result.DownloadMegabytesPerSecond);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(output, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync($"upload    {output.UploadBytes} bytes in {TextFormat.Seconds(output.UploadSeconds)} s: {TextFormat.Rate(output.UploadMBps)} MB/s");
            await stdout.WriteLineAsync($"download  {output.DownloadBytes} bytes in {TextFormat.Seconds(output.DownloadSeconds)} s: {TextFormat.Rate(output.DownloadMBps)} MB/s");
            await stdout.WriteLineAsync($"total     {TextFormat.Seconds(output.TotalSeconds)} s over {output.Streams} stream{(output.Streams == 1 ? "" : "s")}");
            return 0;
        });
        return command;
    }
}
