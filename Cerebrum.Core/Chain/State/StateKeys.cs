using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// The state's keys: a one-letter kind, a slash, and the entry's id. Keys are compared ordinally, so every machine
/// orders them alike; the kind also names the protobuf type of the value.
/// </summary>
public static class StateKeys
{
    public const string AccountPrefix = "a/";
    public const string UnbondingPrefix = "u/";
    public const string NodePrefix = "n/";
    public const string ModelPrefix = "m/";
    public const string ModelNamePrefix = "o/";
    public const string GenesisValidatorPrefix = "v/";
    public const string SupplyPrefix = "s/";

    /// <summary>The chain's supply record (<see cref="SupplyState"/>).</summary>
    public const string Supply = SupplyPrefix + "supply";

    public static readonly IReadOnlyList<string> Prefixes = [AccountPrefix, UnbondingPrefix, NodePrefix, ModelPrefix, ModelNamePrefix, GenesisValidatorPrefix, SupplyPrefix];

    public static string Account(PeerId id) => AccountPrefix + id;

    public static string Unbonding(PeerId id) => UnbondingPrefix + id;

    public static string Node(PeerId id) => NodePrefix + id;

    public static string Model(string hash) => ModelPrefix + hash;

    public static string ModelName(string name) => ModelNamePrefix + name;

    public static string GenesisValidator(PeerId id) => GenesisValidatorPrefix + id;

    public static string PrefixOf(string key) => key.Length >= 2 && key[1] == '/' ? key[..2] : throw new FormatException($"state key '{key}' has no kind prefix");

    /// <summary>Decodes a stored value of the kind <paramref name="key"/> names.</summary>
    /// <exception cref="FormatException">Unknown kind.</exception>
    /// <exception cref="InvalidProtocolBufferException">Corrupt value.</exception>
    public static IMessage Parse(string key, byte[] value) => PrefixOf(key) switch
    {
        AccountPrefix => AccountState.Parser.ParseFrom(value),
        UnbondingPrefix => UnbondingState.Parser.ParseFrom(value),
        NodePrefix => NodeState.Parser.ParseFrom(value),
        ModelPrefix => ModelState.Parser.ParseFrom(value),
        ModelNamePrefix => ModelNameState.Parser.ParseFrom(value),
        GenesisValidatorPrefix => GenesisValidatorState.Parser.ParseFrom(value),
        SupplyPrefix => SupplyState.Parser.ParseFrom(value),
        var other => throw new FormatException($"unknown state kind '{other}'"),
    };

    /// <summary>The peer ID in an account-like key ("a/&lt;id&gt;").</summary>
    public static PeerId PeerOf(string key) => PeerId.Parse(key[2..]);
}
