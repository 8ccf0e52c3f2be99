namespace Cerebrum.Cli.Commands.Net;

/// <summary>What <c>cerebrum net perf --json</c> prints. MB is 10^6 bytes; rates count every stream's bytes.</summary>
public sealed record PerfOutput(
    long UploadBytes,
    long DownloadBytes,
    int Streams,
    double UploadSeconds,
    double DownloadSeconds,
    double TotalSeconds,
    double UploadMBps,
    double DownloadMBps);
