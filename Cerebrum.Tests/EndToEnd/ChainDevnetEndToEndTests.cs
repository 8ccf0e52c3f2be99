using System.Net;
using System.Net.Http.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Admin;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Four validators made by <c>cerebrumd init --devnet 4</c>, as real <c>cerebrumd</c> processes on loopback: they
/// finalize blocks, carry a transfer to every view, survive one validator's loss, halt without forking while two are
/// gone and resume when they return, a SIGKILLed validator's LiteDB file (read before it restarts) holds every block it
/// had reported with the others' state root and it catches up from there, and a late non-validator
/// syncs the whole chain. The scenarios share one network (starting four processes dominates the cost) and run in
/// order; each leaves all four validators running.
/// </summary>
[TestFixture]
[NonParallelizable]
[Platform(Exclude = "Win")]
public sealed class ChainDevnetEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    private ChainDevnet _devnet = null!;
    private PrivateKey _faucet = null!;
    private ulong _faucetNonce;

    [OneTimeSetUp]
    public async Task StartFourValidators()
    {
        _devnet = await ChainDevnet.CreateAsync(4);
        _faucet = _devnet.LoadFaucet();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_devnet.StartValidatorAsync));
    }

    [OneTimeTearDown]
    public async Task StopAll()
    {
        _faucet?.Dispose();
        if (_devnet is not null) await _devnet.DisposeAsync();
    }

    [Test]
    [Order(1)]
    public async Task FourValidators_FinalizeBlocks_AndATransferIsVisibleWithTheSameBalanceOnAll()
    {
        foreach (var k in Validators)
            await _devnet.Validator(k).WaitForHeightAsync(h => h >= 3, Timeout);
        var status = await _devnet.Validator(0).StatusAsync();
        Assert.That(status.IsValidator, Is.True);
        Assert.That(status.Validators, Has.Count.EqualTo(4));
        var block = await _devnet.Validator(2).BlockAsync(2);
        Assert.That(block!.CommitSignatures, Is.GreaterThanOrEqualTo(3), "more than 2/3 of four equal validators signed");

        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var hash = await SubmitTransferAsync(_devnet.Validator(0), recipient.PeerId, 12_345);

        foreach (var k in Validators)
            await PollAsync(async () => (await _devnet.Validator(k).AccountAsync(recipient.PeerId)).Balance == 12_345);
        var heightNow = (await _devnet.Validator(0).StatusAsync()).Height;
        var firstBlock = await _devnet.Validator(0).BlockAsync(1);
        var lastBlock = await _devnet.Validator(0).BlockAsync(heightNow);
        await TestContext.Out.WriteLineAsync($"transfer final on all four {clock.ElapsedMilliseconds} ms after submission; " +
            $"{heightNow - 1} block intervals in {(lastBlock!.Time - firstBlock!.Time).TotalSeconds:0.00} s");
        var faucetBalances = await Task.WhenAll(Validators.Select(async k => (await _devnet.Validator(k).AccountAsync(_faucet.PeerId)).Balance));
        Assert.That(faucetBalances.Distinct().Count(), Is.EqualTo(1), "one balance everywhere");
        // The transfer created the recipient's account: the creation fee is burned on top of amount and fee.
        Assert.That(faucetBalances[0], Is.EqualTo(Cerebrum.Daemon.CommandLine.DevnetInitializer.StartingBalance - 12_345 - 1 - new Cerebrum.Core.Chain.ChainParams().AccountCreationFee));
        Assert.That(await FindTransactionHeightAsync(_devnet.Validator(3), hash), Is.Not.Null, "the transfer is in a block");
    }

    [Test]
    [Order(2)]
    public async Task OneValidatorStopped_TheChainGoesOn()
    {
        var stopped = _devnet.Validator(3);
        await stopped.StopAsync(kill: false);
        var height = (await _devnet.Validator(0).StatusAsync()).Height;
        foreach (var k in new[] { 0, 1, 2 })
            await _devnet.Validator(k).WaitForHeightAsync(h => h >= height + 3, Timeout);

        var restarted = await _devnet.StartValidatorAsync(3);
        var target = (await _devnet.Validator(0).StatusAsync()).Height;
        await restarted.WaitForHeightAsync(h => h >= target, Timeout);
        await AssertNoForkAsync();
    }

    [Test]
    [Order(3)]
    public async Task TwoValidatorsStopped_TheChainHaltsWithoutForking_AndResumesWhenTheyReturn()
    {
        await Task.WhenAll(_devnet.Validator(2).StopAsync(kill: false), _devnet.Validator(3).StopAsync(kill: false));
        // Half of the power cannot finalize: at most a block already agreed before the stop lands, then nothing for a
        // quiet period several times the block interval.
        var before = (await _devnet.Validator(0).StatusAsync()).Height;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var halted = (await _devnet.Validator(0).StatusAsync()).Height;
        Assert.That(halted, Is.LessThanOrEqualTo(before + 1), "two of four validators finalize nothing");
        Assert.That((await _devnet.Validator(1).StatusAsync()).Height, Is.LessThanOrEqualTo(halted + 1));

        await Task.WhenAll(_devnet.StartValidatorAsync(2), _devnet.StartValidatorAsync(3));
        foreach (var k in Validators)
            await _devnet.Validator(k).WaitForHeightAsync(h => h >= halted + 3, Timeout);
        await AssertNoForkAsync();
    }

    [Test]
    [Order(4)]
    public async Task AValidatorSigkilledDuringTransfers_RestartsOnItsStore_CatchesUp_AndAgreesOnTheStateRoot()
    {
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);
        using var load = new CancellationTokenSource();
        var sent = 0;
        var transfers = Task.Run(async () =>
        {
            // About 100 transfers a second, bounded, until the victim is back in the game.
            while (!load.IsCancellationRequested && Volatile.Read(ref sent) < 5_000)
            {
                await SubmitTransferAsync(_devnet.Validator(1), recipient.PeerId, 1);
                Interlocked.Increment(ref sent);
                await Task.Delay(10, CancellationToken.None);
            }
        });
        await PollAsync(() => Task.FromResult(Volatile.Read(ref sent) >= 20));
        var victim = _devnet.Validator(3);
        var heightAtKill = (await victim.StatusAsync()).Height;
        await victim.StopAsync(kill: true);
        await _devnet.Validator(0).WaitForHeightAsync(h => h >= heightAtKill + 3, Timeout);
        await load.CancelAsync();
        await transfers;

        // The store as the kill left it, read before the daemon restarts (once it runs, sync would hide a loss): every
        // height the victim had reported is there, and its head is the block and state root the others have.
        var image = _devnet.ReadStore(3);
        Assert.That(image.Height, Is.GreaterThanOrEqualTo(heightAtKill), "the store kept every block the victim had reported before the kill");
        var same = await _devnet.Validator(0).BlockAsync(image.Height);
        Assert.That(same, Is.Not.Null);
        Assert.That((image.LastHash, image.StateRoot), Is.EqualTo((same!.Hash, same.StateRoot)), $"the victim's block {image.Height} and state root");

        var restarted = await _devnet.StartValidatorAsync(3);
        Assert.That((await restarted.StatusAsync()).Height, Is.GreaterThanOrEqualTo(image.Height), "it resumes from its store");
        var target = (await _devnet.Validator(0).StatusAsync()).Height;
        await restarted.WaitForHeightAsync(h => h >= target, Timeout);
        var roots = await Task.WhenAll(Validators.Select(async k => (await _devnet.Validator(k).BlockAsync(target))!.StateRoot));
        Assert.That(roots.Distinct().Count(), Is.EqualTo(1), $"state roots at height {target}: {string.Join(", ", roots)}");
        await PollAsync(async () => (await restarted.AccountAsync(recipient.PeerId)).Balance == (ulong)sent);
    }

    [Test]
    [Order(5)]
    public async Task ANonValidatorJoiningLate_SyncsTheWholeChain_VerifyingEveryCommit()
    {
        var data = _devnet.NewDirectory("late");
        var (exit, _, stderr) = await ChainDevnet.RunCerebrumdAsync(["init", "--data-dir", data]);
        Assert.That(exit, Is.Zero, stderr);
        File.Copy(_devnet.GenesisPath, Path.Combine(data, "genesis.json"));
        var target = (await _devnet.Validator(0).StatusAsync()).Height;

        var late = await _devnet.StartAsync(data, "--listen", "/ip4/127.0.0.1/tcp/0", "--bootstrap", _devnet.Validator(0).ListenAddress);
        await late.WaitForHeightAsync(h => h >= target, Timeout);
        var status = await late.StatusAsync();
        Assert.That(status.IsValidator, Is.False);
        for (var height = 1UL; height <= target; height++)
        {
            var ours = await late.BlockAsync(height);
            var theirs = await _devnet.Validator(0).BlockAsync(height);
            Assert.That(ours!.Hash, Is.EqualTo(theirs!.Hash), $"block {height}");
            Assert.That(ours.CommitSignatures, Is.GreaterThanOrEqualTo(3), $"commit of block {height}");
        }
    }

    [Test]
    [Order(6)]
    public async Task AdminApi_RefusesBadTransactions_WithTheChainErrorCode()
    {
        var node = _devnet.Validator(0);
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);
        using var badNonce = await node.SubmitAsync(ChainDevnet.Transfer(_faucet, recipient.PeerId, 1, nonce: 10_000));
        Assert.That(badNonce.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var error = await badNonce.Content.ReadFromJsonAsync<AdminError>();
        Assert.That(error!.Code, Is.EqualTo("WrongNonce"), error.Error);

        using var tooLarge = await node.SubmitAsync(new byte[64 * 1024]);
        Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    private static IEnumerable<int> Validators => Enumerable.Range(0, 4);

    private async Task<string> SubmitTransferAsync(ChainDevnet.DaemonProcess node, PeerId to, ulong amount)
    {
        using var response = await node.SubmitAsync(ChainDevnet.Transfer(_faucet, to, amount, _faucetNonce));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        _faucetNonce++;
        return (await response.Content.ReadFromJsonAsync<ChainSubmitResponse>())!.Hash;
    }

    private static async Task<ulong?> FindTransactionHeightAsync(ChainDevnet.DaemonProcess node, string hash)
    {
        var height = (await node.StatusAsync()).Height;
        for (var h = 1UL; h <= height; h++)
            if ((await node.BlockAsync(h))!.Transactions.Any(t => t.Hash == hash && t.Type == "transfer")) return h;
        return null;
    }

    // Every height all four have: one hash.
    private async Task AssertNoForkAsync()
    {
        var heights = await Task.WhenAll(Validators.Select(async k => (await _devnet.Validator(k).StatusAsync()).Height));
        for (var h = 1UL; h <= heights.Min(); h++)
        {
            var hashes = await Task.WhenAll(Validators.Select(async k => (await _devnet.Validator(k).BlockAsync(h))!.Hash));
            Assert.That(hashes.Distinct().Count(), Is.EqualTo(1), $"height {h}: {string.Join(", ", hashes)}");
        }
    }

    private static Task PollAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, Timeout);
}
