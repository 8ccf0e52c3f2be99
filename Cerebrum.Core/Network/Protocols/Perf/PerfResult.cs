namespace Cerebrum.Core.Network.Protocols.Perf;

/// <summary>Outcome of a perf run. Upload time ends when the first downloaded byte (or end of stream) arrives.</summary>
public sealed record PerfResult(long UploadBytes, long DownloadBytes, int Streams, TimeSpan UploadTime, TimeSpan DownloadTime, TimeSpan Total)
{
    public double UploadMegabytesPerSecond => UploadTime > TimeSpan.Zero ? UploadBytes / 1e6 / UploadTime.TotalSeconds : 0;

    public double DownloadMegabytesPerSecond => DownloadTime > TimeSpan.Zero ? DownloadBytes / 1e6 / DownloadTime.TotalSeconds : 0;
}
