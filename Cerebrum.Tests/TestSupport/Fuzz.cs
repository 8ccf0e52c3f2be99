using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// The fuzz tests' contract check: a decoder fed hostile input either succeeds or throws one of its documented
/// exception types; anything else (or a hang) fails the test with the seed and the input in hex, so it reproduces.
/// </summary>
internal static class Fuzz
{
    /// <summary>Set by <c>scripts/fuzz</c> to run every target this many times longer than the default.</summary>
    public const string IterationsVariable = "CEREBRUM_FUZZ_ITERATIONS";

    /// <summary>Generous bound for work a rejected input may allocate; claimed-but-absent lengths must stay below it.</summary>
    public const long AllocationBound = 1024 * 1024;

    /// <summary>How long one input may keep an asynchronous decoder busy before it counts as a hang.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Set to replay a run's rotating seed (the test log and <c>.ci/run</c> print it); unset, it changes daily.</summary>
    public const string SeedVariable = "CEREBRUM_FUZZ_SEED";

    /// <summary>
    /// This run's rotating seed: <see cref="SeedVariable"/> when set (scripts/test sets a fresh random one per run and
    /// prints it), else the UTC date as yyyymmdd, so that a plain <c>dotnet test</c> still explores something new each
    /// day and two processes of one run agree on it.
    /// </summary>
    public static int RotatingSeed { get; } = ReadRotatingSeed();

    /// <summary>
    /// The seeds every target runs with: three fixed ones (the regression corpus, the same in every run) and the
    /// rotating one, which explores new inputs in each CI run; a failure's message names its seed.
    /// </summary>
    public static int[] Seeds => [1, 2, 3, RotatingSeed];

    /// <summary>
    /// A key made from <paramref name="label"/> alone (SHA-256 of it as the secret), so that the valid inputs a target
    /// mutates, signatures included, are the same in every run: a seed then reproduces the whole input stream.
    /// </summary>
    public static PrivateKey Key(string label, KeyType type)
    {
        var secret = SHA256.HashData(Encoding.UTF8.GetBytes(label));
        try
        {
            return type == KeyType.Secp256k1 ? Secp256k1PrivateKey.FromBytes(secret) : Ed25519PrivateKey.FromBytes(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary><paramref name="defaultCount"/> times the multiplier in <see cref="IterationsVariable"/> (1 when unset).</summary>
    public static int Iterations(int defaultCount)
    {
        var text = Environment.GetEnvironmentVariable(IterationsVariable);
        var factor = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;
        return checked(defaultCount * factor);
    }

    /// <summary>Runs <paramref name="decode"/>; true when it succeeded, false when it threw an allowed type.</summary>
    public static bool Check(string target, int seed, ReadOnlySpan<byte> input, Action decode, params Type[] allowed)
    {
        try
        {
            decode();
            return true;
        }
        catch (Exception e) when (IsAllowed(e, allowed))
        {
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail(Describe(target, seed, input, e, allowed));
            return false;
        }
    }

    /// <summary>
    /// Like <see cref="Check"/> for a synchronous decoder, and also fails when the call allocated more than
    /// <see cref="AllocationBound"/> bytes (a claimed length trusted before the data arrived).
    /// </summary>
    public static bool CheckBounded(string target, int seed, ReadOnlySpan<byte> input, Action decode, params Type[] allowed)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var succeeded = Check(target, seed, input, decode, allowed);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBound)
            Assert.Fail($"{target}, seed {seed}: allocated {allocated} bytes for a {input.Length}-byte input 0x{Convert.ToHexStringLower(input)}");
        return succeeded;
    }

    /// <summary>The asynchronous form: also fails when the decoder does not finish within <see cref="HangTimeout"/>.</summary>
    public static async Task<bool> CheckAsync(string target, int seed, byte[] input, Func<Task> decode, params Type[] allowed)
    {
        try
        {
            await decode().WaitAsync(HangTimeout);
            return true;
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"{target}, seed {seed}: hung for {HangTimeout} on input 0x{Convert.ToHexStringLower(input)} ({e.Message})");
            return false;
        }
        catch (Exception e) when (IsAllowed(e, allowed))
        {
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail(Describe(target, seed, input, e, allowed));
            return false;
        }
    }

    /// <summary>Fails unless <paramref name="error"/> is one of the allowed types (for decoders that report rather than throw).</summary>
    public static void ExpectAllowed(string target, int seed, ReadOnlySpan<byte> input, Exception? error, params Type[] allowed)
    {
        if (error is not null && !IsAllowed(error, allowed))
            Assert.Fail(Describe(target, seed, input, error, allowed));
    }

    public static string Describe(string target, int seed, ReadOnlySpan<byte> input, Exception e, Type[] allowed) =>
        $"{target}, seed {seed}: input 0x{Convert.ToHexStringLower(input)} threw {e.GetType().FullName} " +
        $"(allowed: {string.Join(", ", allowed.Select(t => t.Name))}): {e.Message}{Environment.NewLine}{e}";

    private static int ReadRotatingSeed()
    {
        var text = Environment.GetEnvironmentVariable(SeedVariable);
        if (!string.IsNullOrEmpty(text))
        {
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)) return seed;
            throw new InvalidOperationException($"{SeedVariable}={text} is not a 32-bit integer");
        }
        return int.Parse(DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static bool IsAllowed(Exception e, Type[] allowed) => allowed.Any(t => t.IsInstanceOfType(e));
}
