using System.Diagnostics.Metrics;
using System.Text;

namespace Cerebrum.Daemon.Metrics;

/// <summary>
/// Maps an instrument to its Prometheus family name, the way OpenTelemetry's Prometheus exporters do: dots and other
/// invalid characters become underscores, the unit becomes a suffix (<c>By</c> → <c>_bytes</c>, <c>s</c> →
/// <c>_seconds</c>; annotations such as <c>{peer}</c> add none), and counters end in <c>_total</c>.
/// E.g. <c>cerebrum.network.sent</c> in By, a counter: <c>cerebrum_network_sent_bytes_total</c>.
/// </summary>
public static class PrometheusNaming
{
    public static string FamilyName(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        if (UnitSuffix(instrument.Unit) is { } unit && !name.EndsWith("_" + unit, StringComparison.Ordinal))
            name += "_" + unit;
        if (TypeOf(instrument) == PrometheusMetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
            name += "_total";
        return name;
    }

    public static PrometheusMetricType TypeOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>)) return PrometheusMetricType.Counter;
            if (definition == typeof(Histogram<>)) return PrometheusMetricType.Histogram;
        }
        return PrometheusMetricType.Gauge; // gauges and up-down counters
    }

    /// <summary>Letters, digits and underscores; a leading digit is prefixed with an underscore.</summary>
    public static string Sanitize(string name)
    {
        var result = new StringBuilder(name.Length + 1);
        foreach (var c in name)
            result.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (result.Length == 0 || char.IsAsciiDigit(result[0])) result.Insert(0, '_');
        return result.ToString();
    }

    private static string? UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => null,
        "By" => "bytes",
        "s" => "seconds",
        "ms" => "milliseconds",
        _ when unit.StartsWith('{') => null,
        _ => Sanitize(unit).ToLowerInvariant(),
    };
}
