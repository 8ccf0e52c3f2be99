namespace Cerebrum.Daemon.Configuration;

/// <summary>Start-up checks of the "Telemetry" section; each error names its key. A section that is off is still checked, so turning it on later cannot fail.</summary>
public static class TelemetryOptionsValidator
{
    public static void Validate(TelemetryOptions telemetry, List<string> errors)
    {
        // config.json's null (what cerebrumd init writes) binds as an empty string: both mean "the protocol's default".
        if (telemetry.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host)))
            errors.Add($"Telemetry:Endpoint: '{endpoint}' is not an http:// or https:// URL (e.g. http://localhost:4317)");
        if (telemetry.Protocol is not (TelemetryOptions.Grpc or TelemetryOptions.HttpProtobuf))
            errors.Add($"Telemetry:Protocol: '{telemetry.Protocol}' is not \"{TelemetryOptions.Grpc}\" or \"{TelemetryOptions.HttpProtobuf}\"");
        if (!(telemetry.SamplingRatio is >= 0 and <= 1))
            errors.Add($"Telemetry:SamplingRatio: must be from 0 to 1 (1 records every trace), not {telemetry.SamplingRatio}");
        if (string.IsNullOrWhiteSpace(telemetry.ServiceName))
            errors.Add("Telemetry:ServiceName: must not be empty");
        if (telemetry.ExportInterval <= TimeSpan.Zero || telemetry.ExportInterval > TimeSpan.FromMilliseconds(int.MaxValue))
            errors.Add($"Telemetry:ExportInterval: must be a positive duration such as \"00:00:05\", not {telemetry.ExportInterval}");
    }
}
