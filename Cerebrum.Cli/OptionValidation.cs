using System.CommandLine;

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
}
