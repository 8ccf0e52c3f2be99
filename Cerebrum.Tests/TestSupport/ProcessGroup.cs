using System.Diagnostics;
using System.Globalization;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// A process group started with <c>setsid</c> (its leader's PID is the group's ID), so a test can signal a script and
/// everything it started at once, as a terminal's Ctrl-C does, and see when all of them are gone. Linux only (/proc).
/// </summary>
public static class ProcessGroup
{
    public static void Signal(string signal, int group)
    {
        using var kill = Process.Start("kill", [$"-{signal}", "--", $"-{group}"])!;
        kill.WaitForExit(10_000);
    }

    /// <summary>Live processes (zombies excluded) whose process group is <paramref name="group"/>, from /proc.</summary>
    public static List<int> Members(int group)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // Fields after the parenthesized command name: state, ppid, pgrp, ...
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] != "Z" && int.Parse(fields[2], CultureInfo.InvariantCulture) == group) members.Add(pid);
        }
        return members;
    }
}
