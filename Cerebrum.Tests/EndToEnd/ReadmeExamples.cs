using System.Text.RegularExpressions;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// The commands of README.md's <c>```sh</c> blocks, in order: one per line (a line ending in a backslash continues on the
/// next), blank lines and whole-line comments left out. <see cref="Command.Text"/> is the line as a shell runs it,
/// <see cref="Command.Key"/> the same without its trailing comment (two or more spaces, then <c>#</c>).
/// </summary>
internal static partial class ReadmeExamples
{
    public sealed record Command(string Heading, string Text)
    {
        public string Key { get; } = TrailingComment().Replace(Text, "").TrimEnd();
    }

    public static IReadOnlyList<Command> Parse(string markdown)
    {
        var commands = new List<Command>();
        var heading = "";
        var inBlock = false;
        var pending = "";
        foreach (var rawLine in markdown.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (!inBlock)
            {
                if (line.StartsWith('#'))
                    heading = line.TrimStart('#').Trim();
                else if (line.Trim() == "```sh")
                    inBlock = true;
                continue;
            }
            if (line.Trim() == "```")
            {
                inBlock = false;
                continue;
            }
            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }
            var command = (pending + line.TrimStart()).Trim();
            pending = "";
            if (command.Length > 0 && !command.StartsWith('#'))
                commands.Add(new Command(heading, command));
        }
        return commands;
    }

    [GeneratedRegex(@"\s{2,}#.*$")]
    private static partial Regex TrailingComment();
}
