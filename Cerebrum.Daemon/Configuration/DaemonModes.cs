namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// The roles a daemon can take on top of being a network peer (<c>--mode node</c>, config "Modes"). Several may be
/// combined (<c>--mode node,gateway</c>); none means a plain network daemon.
/// </summary>
public static class DaemonModes
{
    /// <summary>Serves inference: loads models and answers /cerebrum/infer/1.0.0.</summary>
    public const string Node = "node";

    /// <summary>Serves apps over HTTP (KServe v2 and OpenAI-compatible APIs) by routing their requests to nodes.</summary>
    public const string Gateway = "gateway";

    /// <summary>Takes part in consensus (when its key is in the validator set); needs a genesis file.</summary>
    public const string Validator = "validator";

    /// <summary>
    /// A network's foundation-run entry point: many cheap connections, relays for peers behind NAT, serves the DHT and
    /// AutoNAT; serves no models and keeps no ledger of its own accord.
    /// </summary>
    public const string Seed = "seed";

    /// <summary>Modes this build implements.</summary>
    public static IReadOnlyList<string> Available { get; } = [Node, Validator, Gateway, Seed];

    /// <summary>Modes of the design that later builds add; naming one gives a clear "not available yet" error.</summary>
    public static IReadOnlyList<string> Planned { get; } = [];

    /// <summary>Splits comma-separated values, trims, lower-cases and removes duplicates.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(v => v.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)];
}
