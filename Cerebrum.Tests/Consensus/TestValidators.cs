using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Consensus;

/// <summary>Deterministic validator keys and sets for consensus tests.</summary>
internal static class TestValidators
{
    public const string ChainId = "cerebrum-test";

    public static PrivateKey[] Secp256k1Keys(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (PrivateKey)Secp256k1PrivateKey.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes($"validator {i}"))))];

    public static PrivateKey[] FastKeys(int count, int salt = 0) => [.. Enumerable.Range(0, count).Select(i => (PrivateKey)new FastTestKey(salt * 1000 + i))];

    public static ValidatorSet SetOf(IReadOnlyList<PrivateKey> keys, IReadOnlyList<long>? powers = null) =>
        ValidatorSet.Create(keys.Select((k, i) => new Validator(k.PublicKey, powers?[i] ?? 1)));

    /// <summary>Fast options for simulated time.</summary>
    public static ConsensusOptions FastOptions => new()
    {
        ProposeTimeout = TimeSpan.FromMilliseconds(300),
        ProposeTimeoutDelta = TimeSpan.FromMilliseconds(100),
        PrevoteTimeout = TimeSpan.FromMilliseconds(100),
        PrevoteTimeoutDelta = TimeSpan.FromMilliseconds(100),
        PrecommitTimeout = TimeSpan.FromMilliseconds(100),
        PrecommitTimeoutDelta = TimeSpan.FromMilliseconds(100),
        RebroadcastInterval = TimeSpan.FromMilliseconds(500),
        CommitDelay = TimeSpan.FromMilliseconds(100),
    };
}
