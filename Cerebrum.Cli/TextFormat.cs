using System.Globalization;

namespace Cerebrum.Cli;

/// <summary>Human-readable renderings shared by the commands' text output.</summary>
public static class TextFormat
{
    /// <summary>"3d 4h 5m 6s", dropping leading zero units.</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
            duration = TimeSpan.Zero;
        var parts = new List<string>();
        if (duration.Days > 0) parts.Add($"{duration.Days}d");
        if (parts.Count > 0 || duration.Hours > 0) parts.Add($"{duration.Hours}h");
        if (parts.Count > 0 || duration.Minutes > 0) parts.Add($"{duration.Minutes}m");
        parts.Add($"{duration.Seconds}s");
        return string.Join(' ', parts);
    }

    /// <summary>Milliseconds with two decimals, invariant culture ("12.34").</summary>
    public static string Milliseconds(double milliseconds) => milliseconds.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Seconds with three decimals ("1.234").</summary>
    public static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>A rate with two decimals ("118.42").</summary>
    public static string Rate(double perSecond) => perSecond.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Left-aligned columns separated by two spaces, the first row being the header.</summary>
    public static void Table(TextWriter output, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
            return;
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
            for (var i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (var row in rows)
        {
            var cells = row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]));
            output.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
