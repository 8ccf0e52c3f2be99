namespace Cerebrum.Daemon.Configuration;

/// <summary>Start-up checks of the "Chain" section, each error naming its key.</summary>
public static class ChainOptionsValidator
{
    public static void Validate(ChainOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        if (options.SyncInterval <= TimeSpan.Zero)
            errors.Add($"Chain:SyncInterval: must be a positive duration such as \"00:00:10\", not {options.SyncInterval}");
        try
        {
            options.Consensus.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"Chain:{e.Message}");
        }
    }
}
