using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Cerebrum.Cli;

/// <summary>
/// Range checks on typed options. System.CommandLine runs validators even when the text did not convert (it reports
/// that itself), and reading the value then throws; the check here runs only on a converted value, so
/// <c>--count abc</c> gets the parser's one-line error instead of a crash.
/// </summary>
public static class OptionValidation
{
    /// <param name="check">Returns the error for a converted value, or null when it is acceptable.</param>
    public static void Check<T>(this Option<T> option, Func<T, string?> check) =>
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // Not convertible: the parser has already recorded the error.
            }
            if (check(value) is { } error)
                result.AddError(error);
        });

    /// <summary>
    /// Reads the value as a whole number in plain digits. Anything else (a sign, a fraction, a word, a number too large)
    /// is one error saying what the option takes (<paramref name="rule"/>, e.g. "a whole number of micro-CER, 0 or more"),
    /// instead of the parser's message about System.UInt64.
    /// </summary>
    public static Option<ulong> AcceptsWholeNumbers(this Option<ulong> option, string rule)
    {
        option.CustomParser = result => ParseWholeNumber(result, option.Name, rule) ?? 0;
        return option;
    }

    /// <inheritdoc cref="AcceptsWholeNumbers(Option{ulong}, string)"/>
    public static Option<ulong?> AcceptsWholeNumbers(this Option<ulong?> option, string rule)
    {
        option.CustomParser = result => ParseWholeNumber(result, option.Name, rule);
        return option;
    }

    private static ulong? ParseWholeNumber(ArgumentResult result, string name, string rule)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            return value;
        result.AddError($"{name} must be {rule}, not '{text}'");
        return null;
    }
}
