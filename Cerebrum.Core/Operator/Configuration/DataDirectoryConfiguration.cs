using Microsoft.Extensions.Configuration;

namespace Cerebrum.Core.Operator.Configuration;

/// <summary>
/// How a data directory's settings are read, by cerebrumd and by the CLI alike: <c>DIR/config.json</c>, overridden by
/// <c>CEREBRUM__…</c> environment variables, each section bound to its typed options record with unknown keys as errors.
/// </summary>
public static class DataDirectoryConfiguration
{
    /// <summary>Environment variables with this prefix are configuration keys, "__" separating sections (<c>CEREBRUM__Admin__Port</c>).</summary>
    public const string EnvironmentPrefix = "CEREBRUM__";

    /// <summary>The layered configuration of a data directory (config.json, then the environment); also feeds the "Logging" section.</summary>
    /// <exception cref="InvalidConfigurationException">config.json is not valid JSON (the error names the file and line).</exception>
    public static IConfigurationRoot Build(DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        try
        {
            return new ConfigurationBuilder()
                .AddJsonFile(dataDirectory.ConfigPath, optional: true, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build();
        }
        catch (InvalidDataException e)
        {
            // The JSON provider's message names the file; its inner exception names the line.
            throw new InvalidConfigurationException([e.InnerException is null ? e.Message : $"{e.Message} {e.InnerException.Message}"]);
        }
    }

    /// <summary>Binds section <paramref name="name"/> to <typeparamref name="T"/> (defaults where absent); a binding error is added to <paramref name="errors"/>.</summary>
    public static T BindSection<T>(IConfiguration configuration, string name, List<string> errors) where T : new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            return configuration.GetSection(name).Get<T>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException e)
        {
            errors.Add(e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})");
            return new T();
        }
    }

    /// <summary>Binds one section on its own.</summary>
    /// <exception cref="InvalidConfigurationException">The section does not bind.</exception>
    public static T BindSection<T>(IConfiguration configuration, string name) where T : new()
    {
        var errors = new List<string>();
        var options = BindSection<T>(configuration, name, errors);
        return errors.Count == 0 ? options : throw new InvalidConfigurationException(errors);
    }
}
