using System.Text.Json;
using System.Text.Json.Serialization;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Genesis;

/// <summary>
/// The genesis file (JSON, camelCase): chain id, genesis time, initial accounts and validators, and the chain's
/// <see cref="ChainParams"/>. Every daemon of a network loads the same file; its state is the state at height 0.
/// </summary>
public sealed record GenesisDocument
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string ChainId { get; init; }

    public required DateTimeOffset GenesisTime { get; init; }

    public IReadOnlyList<GenesisAccount> Accounts { get; init; } = [];

    public IReadOnlyList<GenesisValidator> Validators { get; init; } = [];

    public ChainParams Params { get; init; } = new();

    /// <exception cref="ChainException">Unreadable JSON or invalid content.</exception>
    public static GenesisDocument Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ChainException(new ChainError(ChainErrorCode.InvalidField, $"genesis file {path} cannot be read: {e.Message}"), e);
        }
        return Parse(json);
    }

    /// <exception cref="ChainException">Malformed JSON or invalid content.</exception>
    public static GenesisDocument Parse(string json)
    {
        GenesisDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<GenesisDocument>(json, JsonOptions);
        }
        // ArgumentException: the string holds invalid UTF-16 (a lone surrogate), which cannot be JSON text.
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new ChainException(new ChainError(ChainErrorCode.InvalidField, $"genesis is not valid JSON: {e.Message}"), e);
        }
        if (document is null) throw new ChainException(new ChainError(ChainErrorCode.InvalidField, "genesis is empty"));
        document.Validate();
        return document;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <exception cref="ChainException">Invalid content, named precisely.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ChainId) || ChainId.Length > 64)
            throw Invalid("chainId must be 1 to 64 characters");
        // JSON null deserializes into these non-nullable members; name it rather than fail on it below.
        if (Params is null) throw Invalid("params must be an object, not null");
        if (Accounts is null || Accounts.Any(a => a is null)) throw Invalid("accounts must be an array of account objects");
        if (Validators is null || Validators.Any(v => v is null)) throw Invalid("validators must be an array of validator objects");
        Params.Validate();
        if (!Blocks.BlockTime.IsInRange(GenesisTime.ToUnixTimeMilliseconds()) || GenesisTime.ToUnixTimeMilliseconds() > Blocks.BlockTime.MaxUnixMs / 2)
            throw Invalid("genesisTime must be between 1970 and the year 2485, so that block times have room to grow");
        if (Validators.Count == 0) throw Invalid("at least one validator is required");
        if (Validators.Count > Params.MaxValidators) throw Invalid($"{Validators.Count} validators, more than params.maxValidators ({Params.MaxValidators})");
        var accounts = new HashSet<PeerId>();
        foreach (var account in Accounts)
        {
            if (!PeerId.TryParse(account.PeerId, out var id, out var error))
                throw Invalid($"account peerId '{account.PeerId}' is invalid: {error}");
            if (!accounts.Add(id)) throw Invalid($"account {account.PeerId} is listed twice");
            if (account.Balance > long.MaxValue || account.Stake > long.MaxValue)
                throw Invalid($"account {account.PeerId}: balance and stake must be below 2^63");
        }
        // Balances only move between accounts, so a supply below 2^63 keeps every sum in range.
        var supply = System.Numerics.BigInteger.Zero;
        foreach (var account in Accounts) supply += (System.Numerics.BigInteger)account.Balance + account.Stake;
        if (supply > long.MaxValue) throw Invalid("the total of balances and stakes must be below 2^63");
        var validators = new HashSet<PeerId>();
        foreach (var validator in Validators)
        {
            var key = validator.DecodePublicKey();
            if (!validators.Add(key.ToPeerId())) throw Invalid($"validator {key.ToPeerId()} is listed twice");
            if (validator.Power is 0 or > 1_000_000_000) throw Invalid($"validator {key.ToPeerId()}: power must be 1 to 10^9");
        }
        // Voting power is the genesis powers plus stake / stakePerPower, and stake never exceeds the fixed supply: keep
        // the largest possible total within what consensus computes with.
        var maxPower = supply / Params.StakePerPower + Validators.Aggregate(System.Numerics.BigInteger.Zero, (sum, v) => sum + v.Power);
        if (maxPower > ValidatorSet.MaxTotalPower)
            throw Invalid($"the total voting power could reach {maxPower}, above {ValidatorSet.MaxTotalPower}; raise params.stakePerPower");
    }

    internal static ChainException Invalid(string message) => new(new ChainError(ChainErrorCode.InvalidField, "genesis: " + message));
}

public sealed record GenesisAccount
{
    /// <summary>base58btc peer ID.</summary>
    public required string PeerId { get; init; }

    public ulong Balance { get; init; }

    public ulong Stake { get; init; }
}

public sealed record GenesisValidator
{
    /// <summary>Base64 of the libp2p PublicKey protobuf (secp256k1).</summary>
    public required string PublicKey { get; init; }

    public required ulong Power { get; init; }

    public static GenesisValidator From(PublicKey key, ulong power) => new() { PublicKey = Convert.ToBase64String(key.ToProtobuf()), Power = power };

    /// <exception cref="ChainException">Not base64 of a supported public key.</exception>
    public PublicKey DecodePublicKey()
    {
        if (PublicKey is null) throw GenesisDocument.Invalid("a validator has no publicKey");
        try
        {
            var key = Crypto.PublicKey.FromProtobuf(Convert.FromBase64String(PublicKey));
            if (key.Type != KeyType.Secp256k1) throw GenesisDocument.Invalid($"validator key {PublicKey} is not secp256k1");
            return key;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or InvalidDataException)
        {
            throw GenesisDocument.Invalid($"validator public key '{PublicKey}' is invalid: {e.Message}");
        }
    }
}
