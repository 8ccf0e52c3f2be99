using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Store;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.EndToEnd;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Crash images of a real validator: four <c>cerebrumd</c> validators finalize blocks under a stream of transfers, and
/// one at a time is SIGKILLed, either the moment its LiteDB log starts to change (a commit or a checkpoint under way,
/// then a random few hundred microseconds more) or at a random instant. Each image (its <c>chain.db</c> and
/// <c>chain-log.db</c> as the kill left them) must reopen at a height no lower than the victim last reported, with the
/// block hash and state root the surviving validators have at that height. Then copies of it are damaged: the first
/// has its last commit torn (the log cut inside the head block's transaction, as a crash inside that commit leaves it)
/// and must reopen exactly one block lower; the others are truncated at random lengths or have random bytes flipped,
/// in either file, and each must reopen at a height whose block and state root the others have, or be refused with
/// the store's clear error (<see cref="ChainErrorCode.StoreMismatch"/>, naming the file): never open on something the
/// network never had, throw anything else, or hang. The victim then restarts on its real files and catches up. The
/// test fails unless some kill fell while the log was being written, some commit was torn, and some corruption reached
/// live data. Bounded for CI (<see cref="KillsVariable"/> and <see cref="CorruptionsVariable"/> run it longer); the
/// seed is the run's rotating fuzz seed (<see cref="Fuzz.SeedVariable"/> replays its kill modes and corruptions).
/// </summary>
[TestFixture]
[NonParallelizable]
[Platform(Exclude = "Win", Reason = "SIGKILL of a child process and LiteDB files copied while their writer is dead")]
public sealed class CrashImageTests
{
    public const string KillsVariable = "CEREBRUM_CRASH_KILLS";
    public const string CorruptionsVariable = "CEREBRUM_CRASH_CORRUPTIONS";

    private const int PageSize = 8192; // LiteDB 5's page; its header holds the transaction id at 14 and "confirmed" at 18
    private const string DataFile = ChainStore.FileName;
    private const string LogFile = "chain-log.db";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

    private enum KillMode { WhenTheLogChanges, AtARandomInstant }

    private enum Corruption { TearLastCommit, TruncateData, TruncateLog, FlipDataBytes, FlipLogBytes }

    [Test]
    [CancelAfter(15 * 60_000)]
    public async Task KilledValidators_ReopenAtTheirLastCommittedBlock_AndCorruptedCopiesReopenConsistentOrAreRefused()
    {
        var kills = Setting(KillsVariable, 6);
        var corruptions = Setting(CorruptionsVariable, 8);
        var seed = Fuzz.RotatingSeed;
        var random = new Random(seed);
        await TestContext.Progress.WriteLineAsync($"crash images: {Fuzz.SeedVariable}={seed}, {kills} kills ({KillsVariable}), {corruptions} corrupted copies each ({CorruptionsVariable})");

        await using var devnet = await ChainDevnet.CreateAsync(4);
        using var scratch = TemporaryDirectory.Create();
        using var faucet = devnet.LoadFaucet();
        var genesis = GenesisDocument.Load(devnet.GenesisPath);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(devnet.StartValidatorAsync));
        await devnet.Validator(0).WaitForHeightAsync(h => h >= 2, Timeout);

        var tally = new Tally();
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(() => SubmitTransfersAsync(devnet, faucet, stopLoad.Token));
        try
        {
            for (var i = 0; i < kills; i++)
            {
                var k = 1 + i % 3; // validator 0 takes the load; the others die in turn, one at a time (3 of 4 keep deciding)
                var victim = devnet.Validator(k);
                var network = devnet.Validator(0);
                var caughtUp = (await network.StatusAsync()).Height;
                await victim.WaitForHeightAsync(h => h >= caughtUp, Timeout);
                var reported = (await victim.StatusAsync()).Height;
                var mode = random.Next(2) == 0 ? KillMode.WhenTheLogChanges : KillMode.AtARandomInstant;
                var delay = mode == KillMode.WhenTheLogChanges ? TimeSpan.FromMicroseconds(random.Next(400)) : TimeSpan.FromMilliseconds(random.Next(1000));
                var logChanged = await Task.Factory.StartNew(() => Kill(victim, Path.Combine(devnet.DataDirectory(k), LogFile), mode, delay),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                await victim.StopAsync(kill: true);

                var image = Directory.CreateDirectory(Path.Combine(scratch.Path, $"kill{i}")).FullName;
                CopyImage(devnet.DataDirectory(k), image);
                var shape = LogShape.Read(Path.Combine(image, LogFile));
                tally.Kill(mode, logChanged, shape);
                var context = $"kill {i} (validator {k}, {mode}{(logChanged ? ", log was changing" : "")}, log {shape}, reported height {reported})";

                // Opening checkpoints the log into chain.db and deletes it: always open a copy, keep the image as the kill left it.
                var reopened = Directory.CreateDirectory(Path.Combine(scratch.Path, $"kill{i}-reopened")).FullName;
                CopyImage(image, reopened);
                var opened = await OpenAsync(reopened, genesis);
                Directory.Delete(reopened, recursive: true);
                Assert.That(opened.Error, Is.Null, $"{context}: a killed validator's image must reopen: {opened.Error}");
                Assert.That(opened.Height, Is.GreaterThanOrEqualTo(reported), $"{context}: every block the victim reported before the kill is in its image");
                await AssertTheNetworkHasAsync(network, opened, context);
                tally.KillImage(opened.Height - reported);

                var restarted = devnet.StartValidatorAsync(k); // on its real files, while the copies are corrupted
                for (var j = 0; j < corruptions; j++)
                {
                    var copy = Directory.CreateDirectory(Path.Combine(scratch.Path, $"kill{i}-corrupt{j}")).FullName;
                    CopyImage(image, copy);
                    // The first copy of every image with a log tears its last transaction (the head block's commit) as a
                    // crash inside that commit would: it must reopen exactly one block lower.
                    var (kind, what) = Corrupt(copy, random, tearLastCommit: j == 0);
                    var result = await OpenAsync(copy, genesis);
                    var trial = $"{context}, copy {j} ({what})";
                    if (kind == Corruption.TearLastCommit)
                    {
                        Assert.That(result.Error, Is.Null, $"{trial}: a torn last commit must reopen: {result.Error}");
                        Assert.That(result.Height, Is.EqualTo(opened.Height - 1), $"{trial}: the torn commit is lost, the one before kept");
                    }
                    if (result.Error is { } error)
                    {
                        Assert.That(error, Is.TypeOf<ChainException>(), $"{trial}: refused with something other than the store's error: {error}");
                        Assert.That(((ChainException)error).Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch), trial);
                        Assert.That(error.Message, Does.Contain(DataFile), $"{trial}: the error names the file");
                        tally.Refused(error.InnerException?.GetType().Name ?? error.Message.Replace(copy, "", StringComparison.Ordinal));
                    }
                    else
                    {
                        Assert.That(result.Height, Is.LessThanOrEqualTo(opened.Height), $"{trial}: a corrupted copy cannot hold more blocks than its image");
                        await AssertTheNetworkHasAsync(network, result, trial);
                        tally.Reopened(kind, opened.Height - result.Height);
                    }
                    Directory.Delete(copy, recursive: true);
                }
                await restarted;
                Directory.Delete(image, recursive: true);
            }
        }
        finally
        {
            await stopLoad.CancelAsync();
            await load;
        }

        // The victim that died last is back in the game, on the store its crash left.
        var last = devnet.Validator(1 + (kills - 1) % 3);
        var target = (await devnet.Validator(0).StatusAsync()).Height;
        await last.WaitForHeightAsync(h => h >= target, Timeout);
        Assert.That((await last.BlockAsync(target))!.StateRoot, Is.EqualTo((await devnet.Validator(0).BlockAsync(target))!.StateRoot));

        await TestContext.Progress.WriteLineAsync("crash images: " + tally);
        Assert.Multiple(() =>
        {
            Assert.That(tally.KillsInsideCommits, Is.GreaterThan(0), $"no kill fell while the victim was writing its log: {tally}");
            Assert.That(tally.TornCommits, Is.GreaterThan(0), $"no image had a last commit to tear: {tally}");
            Assert.That(tally.ReachedLiveData, Is.GreaterThan(0), $"no corruption reached live data: {tally}");
        });
    }

    /// <summary>
    /// Waits until the log's length changes (LiteDB appends a transaction's pages one write at a time, and a checkpoint
    /// truncates it), then <paramref name="delay"/> more, then SIGKILLs; or kills after <paramref name="delay"/>.
    /// Returns whether the log was seen changing. Runs on its own thread: it spins, yielding, to catch the write.
    /// </summary>
    private static bool Kill(ChainDevnet.DaemonProcess victim, string log, KillMode mode, TimeSpan delay)
    {
        var clock = Stopwatch.StartNew();
        var changed = false;
        if (mode == KillMode.WhenTheLogChanges)
        {
            var length = LengthOf(log);
            while (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (LengthOf(log) != length)
                {
                    changed = true;
                    break;
                }
                Thread.Yield();
            }
            clock.Restart();
        }
        while (clock.Elapsed < delay)
            Thread.Yield();
        victim.KillNow();
        return changed;
    }

    private static long LengthOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : -1;
    }

    private static void CopyImage(string from, string to)
    {
        foreach (var name in new[] { DataFile, LogFile })
        {
            var source = Path.Combine(from, name);
            if (File.Exists(source)) File.Copy(source, Path.Combine(to, name), overwrite: true);
        }
    }

    /// <summary>One random corruption of the copy in <paramref name="directory"/> (or a tear of its last commit); returns what it did.</summary>
    private static (Corruption Kind, string What) Corrupt(string directory, Random random, bool tearLastCommit)
    {
        var data = Path.Combine(directory, DataFile);
        var log = Path.Combine(directory, LogFile);
        var shape = LogShape.Read(log);
        var kind = tearLastCommit && shape.Pages > 0 && !shape.InterruptedCommit ? Corruption.TearLastCommit
            : shape.Pages > 0 ? (Corruption)(1 + random.Next(4))
            : random.Next(2) == 0 ? Corruption.TruncateData : Corruption.FlipDataBytes;
        var path = kind is Corruption.TruncateData or Corruption.FlipDataBytes ? data : log;
        var length = new FileInfo(path).Length;
        switch (kind)
        {
            case Corruption.TearLastCommit or Corruption.TruncateData or Corruption.TruncateLog:
                var from = kind == Corruption.TearLastCommit ? shape.LastTransactionStart : 0;
                var cut = from + random.NextInt64(length - from);
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
                    file.SetLength(cut);
                return (kind, $"{kind}: {Path.GetFileName(path)} cut from {length} to {cut} bytes");
            default:
                var flips = 1 + random.Next(4);
                var offsets = new List<long>();
                using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    for (var f = 0; f < flips; f++)
                    {
                        var offset = random.NextInt64(length);
                        file.Position = offset;
                        var value = file.ReadByte();
                        file.Position = offset;
                        file.WriteByte((byte)(value ^ (1 + random.Next(255))));
                        offsets.Add(offset);
                    }
                }
                return (kind, $"{kind}: {Path.GetFileName(path)} ({length} bytes) changed at {string.Join(", ", offsets)}");
        }
    }

    private sealed record Opened(ulong Height, string LastHash, string StateRoot, Exception? Error);

    /// <summary>Opens the store in <paramref name="directory"/> as the daemon would, bounded in time.</summary>
    private static async Task<Opened> OpenAsync(string directory, GenesisDocument genesis)
    {
        var open = Task.Run(() =>
        {
            try
            {
                using var store = ChainStore.Open(directory, genesis);
                return new Opened(store.Head.Height, Convert.ToHexStringLower(store.Head.LastHash), Convert.ToHexStringLower(store.Head.StateRoot), null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return new Opened(0, "", "", e);
            }
        });
        try
        {
            return await open.WaitAsync(OpenTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"opening {directory} hung for {OpenTimeout}");
            throw;
        }
    }

    /// <summary>The image's head must be a block the network finalized, with the state root the network computed.</summary>
    private static async Task AssertTheNetworkHasAsync(ChainDevnet.DaemonProcess network, Opened image, string context)
    {
        if (image.Height == 0)
        {
            Assert.That(image.StateRoot, Is.Not.Empty, $"{context}: reopened at genesis");
            return;
        }
        await network.WaitForHeightAsync(h => h >= image.Height, Timeout);
        var block = await network.BlockAsync(image.Height);
        Assert.That((image.LastHash, image.StateRoot), Is.EqualTo((block!.Hash, block.StateRoot)),
            $"{context}: block {image.Height} and the state after it, as the other validators have them");
    }

    private static async Task SubmitTransfersAsync(ChainDevnet devnet, PrivateKey faucet, CancellationToken stop)
    {
        // Many distinct recipients, so that blocks write many state entries and index rows: commits of many pages.
        var recipients = Enumerable.Range(0, 500).Select(n => Fuzz.Key($"crash-image-recipient-{n}", KeyType.Ed25519).PeerId).ToArray();
        var nonce = 0UL;
        while (!stop.IsCancellationRequested)
        {
            using var response = await devnet.Validator(0).SubmitAsync(ChainDevnet.Transfer(faucet, recipients[nonce % (ulong)recipients.Length], 1, nonce));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync(CancellationToken.None));
            nonce++;
            // About 300 a second: full blocks without starving the validators of CPU on a small shared machine.
            await Task.Delay(TimeSpan.FromMilliseconds(3), CancellationToken.None);
        }
    }

    private static int Setting(string variable, int defaultValue) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : defaultValue;

    /// <summary>
    /// How LiteDB's log ends: its whole pages, whether a torn one follows, whether the last page's transaction was
    /// confirmed (LiteDB marks a transaction's last page; one without it was cut short by the crash), and where the
    /// last transaction's pages begin.
    /// </summary>
    private sealed record LogShape(long Pages, bool TornPage, bool UnconfirmedTail, long LastTransactionStart)
    {
        private const int TransactionIdOffset = 14;
        private const int ConfirmedOffset = 18;

        public bool InterruptedCommit => TornPage || UnconfirmedTail;

        public static LogShape Read(string path)
        {
            if (!File.Exists(path)) return new LogShape(0, false, false, 0);
            var bytes = File.ReadAllBytes(path);
            var pages = bytes.Length / PageSize;
            if (pages == 0) return new LogShape(0, bytes.Length % PageSize != 0, false, 0);
            uint TransactionOf(int page) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(page * PageSize + TransactionIdOffset));
            var last = pages - 1;
            var first = last;
            while (first > 0 && TransactionOf(first - 1) == TransactionOf(last)) first--;
            return new LogShape(pages, bytes.Length % PageSize != 0, bytes[last * PageSize + ConfirmedOffset] == 0, (long)first * PageSize);
        }

        public override string ToString() => Pages == 0 && !TornPage ? "empty" :
            $"{Pages} pages{(TornPage ? " + a torn one" : "")}, {(UnconfirmedTail ? "ends inside a transaction" : "ends on a confirmed transaction")}";
    }

    private sealed class Tally
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        /// <summary>Kills that fell while the victim was writing its log (the watcher saw it change), and images whose log ends inside a transaction.</summary>
        public int KillsInsideCommits { get; private set; }

        /// <summary>Copies whose last commit was torn and that reopened one block lower.</summary>
        public int TornCommits { get; private set; }

        /// <summary>Corruptions that changed what opens: refused, or reopened lower.</summary>
        public int ReachedLiveData { get; private set; }

        public void Kill(KillMode mode, bool logChanged, LogShape shape)
        {
            Add($"kills {mode}");
            if (logChanged) Add("kills while the log was changing");
            if (shape.InterruptedCommit) Add("kills whose log ends inside a transaction");
            if (logChanged || shape.InterruptedCommit) KillsInsideCommits++;
        }

        public void KillImage(ulong aboveReported) => Add(aboveReported == 0 ? "images at the reported height" : $"images {aboveReported} above the reported height");

        public void Refused(string reason)
        {
            ReachedLiveData++;
            Add("copies refused");
            Add("refused: " + reason);
        }

        public void Reopened(Corruption kind, ulong below)
        {
            if (below > 0) ReachedLiveData++;
            if (kind == Corruption.TearLastCommit) TornCommits++;
            Add($"{kind} copies reopened " + (below == 0 ? "at the image's height" : below == 1 ? "one block lower" : "more than one block lower"));
        }

        public override string ToString() => string.Join("; ", _counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));

        private void Add(string key) => _counts[key] = _counts.GetValueOrDefault(key) + 1;
    }
}
