using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Mempool;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Chain;

/// <summary>A chain in a temporary directory: 4 genesis validators (power 10 each), funded users, and helpers to commit blocks.</summary>
public sealed class ChainFixture : IDisposable
{
    public const string ChainId = "cerebrum-test";
    public const ulong UserBalance = 1_000_000_000;
    public static readonly DateTimeOffset GenesisTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly bool _ownsDirectory;

    /// <param name="keyLabel">When set, the validators' and users' keys are made from it (<see cref="Fuzz.Key"/>), so that
    /// blocks and transactions are byte for byte the same in every run (fuzz corpora); otherwise they are random.</param>
    /// <param name="validatorStake">Each genesis validator's bonded stake (none by default: genesis power only).</param>
    public ChainFixture(ChainParams? parameters = null, MempoolOptions? mempool = null, int users = 3, ChainFixture? sameGenesisAs = null, string? directory = null, string? keyLabel = null,
        ulong validatorStake = 0)
    {
        PrivateKey NewKey(string role, int i) => keyLabel is null ? PrivateKey.Generate(KeyType.Secp256k1) : Fuzz.Key($"{keyLabel}-{role}-{i}", KeyType.Secp256k1);
        Validators = sameGenesisAs?.Validators ?? [.. Enumerable.Range(0, 4).Select(i => NewKey("validator", i))];
        Users = sameGenesisAs?.Users ?? [.. Enumerable.Range(0, users).Select(i => NewKey("user", i))];
        Genesis = sameGenesisAs?.Genesis ?? new GenesisDocument
        {
            ChainId = ChainId,
            GenesisTime = GenesisTime,
            Accounts = [.. Users.Select(u => new GenesisAccount { PeerId = u.PeerId.ToString(), Balance = UserBalance }),
                .. Validators.Where(_ => validatorStake > 0).Select(v => new GenesisAccount { PeerId = v.PeerId.ToString(), Balance = UserBalance, Stake = validatorStake })],
            Validators = [.. Validators.Select(v => GenesisValidator.From(v.PublicKey, 10))],
            Params = parameters ?? new ChainParams { UnbondingDelay = TimeSpan.FromMinutes(1), MinFee = 5, StakePerPower = 1_000, MinNodeStake = 5_000 },
        };
        _ownsDirectory = directory is null;
        Directory = directory ?? Path.Combine(Path.GetTempPath(), "cerebrum-chain-" + Guid.NewGuid().ToString("N"));
        Mempool = mempool ?? new MempoolOptions();
        Node = Open();
    }

    public IReadOnlyList<PrivateKey> Validators { get; }

    public IReadOnlyList<PrivateKey> Users { get; }

    public PrivateKey Alice => Users[0];

    public PrivateKey Bob => Users[1];

    public PrivateKey Carol => Users[2];

    public GenesisDocument Genesis { get; }

    public string Directory { get; }

    public MempoolOptions Mempool { get; }

    public ChainNode Node { get; private set; }

    public ChainNode Open() => ChainNode.Open(new ChainNodeOptions { DataDirectory = Directory, Genesis = Genesis, Mempool = Mempool });

    public ChainNode Reopen()
    {
        Node.Dispose();
        Node = Open();
        return Node;
    }

    public DateTimeOffset NextTime => Node.Status.LastTime + TimeSpan.FromSeconds(1);

    public byte[] Propose(DateTimeOffset? time = null, int proposer = 0) =>
        Node.CreateProposal(Node.Status.Height + 1, Validators[proposer].PeerId, time ?? NextTime);

    public byte[] CommitFor(byte[] blockBytes, IEnumerable<PrivateKey>? signers = null)
    {
        var header = Block.Parser.ParseFrom(blockBytes).Header;
        return TestCommits.Create(header.Height, BlockHashing.HeaderHash(header), signers ?? Validators);
    }

    /// <summary>Proposes a block from the mempool and commits it with the signatures of the height's validators; checks the supply invariant after it.</summary>
    public FinalizedBlock CommitNext(DateTimeOffset? time = null)
    {
        var block = Propose(time);
        var error = Node.Commit(block, CommitFor(block, SignersOf(Node.Status.Height + 1)));
        Assert.That(error, Is.Null, () => $"commit failed: {error}");
        AssertSupply();
        return Node.GetBlock(Node.Status.Height)!;
    }

    /// <summary>The genesis validators still in the set deciding <paramref name="height"/> (a jailed one cannot sign).</summary>
    public IEnumerable<PrivateKey> SignersOf(ulong height)
    {
        var set = Node.GetValidatorSet(height)!;
        return Validators.Where(v => set.Find(v.PeerId) is not null);
    }

    /// <summary>The supply invariant: balances, stakes, escrows, unbonding, node stakes and burned add up to the genesis supply.</summary>
    public void AssertSupply()
    {
        var supply = Node.Supply;
        Assert.That(supply.Total, Is.EqualTo(Node.GenesisSupply), () => $"supply {supply} after block {Node.Status.Height}");
    }

    /// <summary>Submits a transaction that must be accepted.</summary>
    public void Submit(byte[] tx)
    {
        var result = Node.SubmitTransaction(tx);
        Assert.That(result.Error, Is.Null, () => $"submission refused: {result.Error}");
    }

    /// <summary>Submits a transaction that must be refused with <paramref name="code"/>; returns the error.</summary>
    public ChainError Refused(byte[] tx, ChainErrorCode code)
    {
        var result = Node.SubmitTransaction(tx);
        Assert.That(result.Error?.Code, Is.EqualTo(code), () => $"expected {code}, got {result.Error?.ToString() ?? "accepted"}");
        return result.Error!;
    }

    public void Dispose()
    {
        Node.Dispose();
        if (_ownsDirectory && System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
