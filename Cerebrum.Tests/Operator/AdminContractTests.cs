using System.Text.Json;
using Cerebrum.Cli;
using Cerebrum.Daemon;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Operator;

/// <summary>The admin API's records are defined once (Cerebrum.Core/Operator/Admin) and both ends use them.</summary>
[TestFixture]
public sealed class AdminContractTests
{
    private static readonly Type[] Records = [.. typeof(AdminJsonContext).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(AdminJsonContext).Namespace && t.IsPublic && t.GetMethod("<Clone>$") is not null)];

    [Test]
    public void EveryRecord_HasGeneratedSerializers()
    {
        Assert.That(Records, Has.Length.GreaterThan(20));
        foreach (var record in Records)
        {
            var list = typeof(List<>).MakeGenericType(record);
            Assert.That(AdminJsonContext.Default.GetTypeInfo(record) ?? AdminJsonContext.Default.GetTypeInfo(list), Is.Not.Null,
                $"{record.Name} (or a list of it) is missing from AdminJsonContext");
        }
    }

    [Test]
    public void NeitherTheDaemonNorTheCli_DefinesItsOwnCopy()
    {
        var shared = Records.Select(t => t.Name).Append(nameof(DataDirectory)).ToHashSet(StringComparer.Ordinal);
        // Names the two programs used for their copies before they shared these records.
        shared.UnionWith(["DaemonDirectory", "TransactionAcceptedResponse", "ChainSubmitError", "AdminErrorResponse", "AccountResponse", "BlockResponse",
            "BlockTransactionResponse", "ApiKeyOutput"]);
        foreach (var assembly in new[] { typeof(DaemonApplication).Assembly, typeof(CerebrumCommandLine).Assembly })
        {
            var copies = assembly.GetTypes().Where(t => shared.Contains(t.Name)).Select(t => t.FullName).ToList();
            Assert.That(copies, Is.Empty, $"{assembly.GetName().Name} defines admin contracts of its own");
        }
    }

    [Test]
    public async Task ChainStatus_ValidatorPower_IsTheLedgersOneIntegerTypeOnBothEnds()
    {
        // The CLI once read power as a long while the daemon wrote a ulong; the ledger's Validator.Power is a long.
        Assert.That(typeof(ChainValidatorResponse).GetProperty(nameof(ChainValidatorResponse.Power))!.PropertyType,
            Is.EqualTo(typeof(Core.Consensus.Validator).GetProperty(nameof(Core.Consensus.Validator.Power))!.PropertyType));
        using var directory = TemporaryDirectory.Create();
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);
        api.ValidatorPower = long.MaxValue;

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("chain", "status", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.TrimEntries), Does.Contain($"16Uiu2HAmValidator power {long.MaxValue}"));
    }

    [Test]
    public async Task StatusJson_CarriesEverythingTheDaemonAnswers_ChainAndPubSubIncluded()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);
        using var http = daemon.AdminClient();
        using var served = JsonDocument.Parse(await http.GetStringAsync(new Uri(AdminRoutes.Status, UriKind.Relative), timeout.Token));

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("status", "--json", "--data-dir", daemon.Data.Root);

        Assert.That(exitCode, Is.Zero, stderr);
        using var printed = JsonDocument.Parse(stdout);
        var servedNames = served.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(servedNames, Does.Contain("pubSub").And.Contain("chain").And.Contain("modes"));
        Assert.That(printed.RootElement.EnumerateObject().Select(p => p.Name).ToList(), Is.EqualTo(servedNames));
        Assert.That(printed.RootElement.GetProperty("pubSub").GetArrayLength(), Is.EqualTo(served.RootElement.GetProperty("pubSub").GetArrayLength()).And.GreaterThan(0));
        Assert.That(printed.RootElement.GetProperty("chain").ValueKind, Is.EqualTo(JsonValueKind.Null), "no genesis: the daemon keeps no ledger");
    }

    [Test]
    public void Routes_FillInTheirTemplates()
    {
        Assert.That(AdminRoutes.ChainBlockAt(12), Is.EqualTo(AdminRoutes.ChainBlock.Replace("{height}", "12", StringComparison.Ordinal)));
        Assert.That(AdminRoutes.ChainAccountOf("16Uiu2HAm"), Is.EqualTo(AdminRoutes.ChainAccount.Replace("{peerId}", "16Uiu2HAm", StringComparison.Ordinal)));
        Assert.That(AdminRoutes.GatewayKeyNamed("my app"), Is.EqualTo("/gateway/keys/my%20app"));
    }

    [Test]
    public void AnError_WithoutACode_IsWrittenWithoutOne()
    {
        Assert.That(JsonSerializer.Serialize(new AdminError("no"), AdminJsonContext.Default.AdminError), Is.EqualTo("""{"error":"no"}"""));
        Assert.That(JsonSerializer.Serialize(new AdminError("no", "WrongNonce"), AdminJsonContext.Default.AdminError), Is.EqualTo("""{"error":"no","code":"WrongNonce"}"""));
    }

    [Test]
    public void TheContracts_LiveInCore_WhichKnowsNoHost()
    {
        var references = typeof(AdminJsonContext).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(references, Has.None.StartsWith("Microsoft.AspNetCore").And.None.EqualTo("cerebrumd").And.None.EqualTo("cerebrum").And.None.EqualTo("System.CommandLine"));
    }
}
