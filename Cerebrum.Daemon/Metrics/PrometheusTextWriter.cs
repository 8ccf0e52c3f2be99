using System.Globalization;
using System.Text;

namespace Cerebrum.Daemon.Metrics;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4: a HELP and a TYPE line per family, one line
/// per series, histograms as cumulative <c>_bucket{le="…"}</c> lines (ending with +Inf) plus <c>_sum</c> and <c>_count</c>.
/// </summary>
public static class PrometheusTextWriter
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<PrometheusFamily> families)
    {
        var text = new StringBuilder();
        foreach (var family in families)
            Write(text, family);
        return text.ToString();
    }

    private static void Write(StringBuilder text, PrometheusFamily family)
    {
        text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
        text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');
        foreach (var series in family.Series)
        {
            if (family.Type == PrometheusMetricType.Histogram && series.Histogram is { } histogram)
            {
                WriteHistogram(text, family.Name, series.Labels, histogram);
                continue;
            }
            WriteSample(text, family.Name, series.Labels, null, series.Value);
        }
    }

    private static void WriteHistogram(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, PrometheusHistogram histogram)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += histogram.BucketCounts[i];
            WriteSample(text, name + "_bucket", labels, FormatValue(histogram.Bounds[i]), cumulative);
        }
        // The +Inf bucket is every observation, whatever the finite buckets hold.
        WriteSample(text, name + "_bucket", labels, "+Inf", histogram.Count);
        WriteSample(text, name + "_sum", labels, null, histogram.Sum);
        WriteSample(text, name + "_count", labels, null, histogram.Count);
    }

    private static void WriteSample(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Count > 0 || le is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var (labelName, labelValue) in labels)
            {
                if (!first) text.Append(',');
                first = false;
                text.Append(labelName).Append("=\"").Append(EscapeLabelValue(labelValue)).Append('"');
            }
            if (le is not null)
                text.Append(first ? "" : ",").Append("le=\"").Append(le).Append('"');
            text.Append('}');
        }
        text.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    /// <summary>Go's float formatting as Prometheus reads it: +Inf, -Inf, NaN, else the shortest round-trip form.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>In label values, backslash, double quote and line feed are escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0 ? value : value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    /// <summary>In HELP text, backslash and line feed are escaped (a double quote is not).</summary>
    public static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string TypeName(PrometheusMetricType type) => type switch
    {
        PrometheusMetricType.Counter => "counter",
        PrometheusMetricType.Gauge => "gauge",
        PrometheusMetricType.Histogram => "histogram",
        _ => "untyped",
    };
}
