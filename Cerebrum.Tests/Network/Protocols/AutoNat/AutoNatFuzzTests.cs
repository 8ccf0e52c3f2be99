using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.AutoNat;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.AutoNat;

/// <summary>
/// AutoNAT requests come from any connected peer and responses from any server we ask: decoding either yields a checked
/// message or a <see cref="FormatException"/>, and whatever the server admits dials only the asker's observed IP.
/// </summary>
public sealed class AutoNatFuzzTests
{
    private static readonly PrivateKey Asker = Fuzz.Key("autonat asker", KeyType.Ed25519);
    private static readonly Multiaddress Observed = Multiaddress.Parse("/ip4/8.8.4.4/tcp/51234");

    [OneTimeTearDown]
    public void DisposeKey() => Asker.Dispose();

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void DialRequests_AreCheckedOrRefused_AndDialOnlyTheObservedIp(int seed)
    {
        byte[][] valid =
        [
            AutoNatMessages.EncodeDialRequest(Asker.PeerId, [Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001"), Multiaddress.Parse("/ip4/10.0.0.2/tcp/4001")]),
            AutoNatMessages.EncodeDialRequest(Asker.PeerId, [Multiaddress.Parse("/ip6/2606:4700::1/tcp/4001"), Multiaddress.Parse("/dns4/a.example/tcp/1")]),
        ];
        var mutator = new ByteMutator(new Random(seed));
        var server = new AutoNatServer(new AutoNatServerOptions { MaxRequestsPerWindow = int.MaxValue, MaxRequestsPerPeerPerWindow = int.MaxValue, MaxRequestsPerIpPerWindow = int.MaxValue });
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 300);
            Fuzz.CheckBounded("AutoNatMessages.ParseDialRequest", seed, input, () => AutoNatMessages.ParseDialRequest(input), typeof(FormatException));
            AutoNatAdmission? admission = null;
            Fuzz.Check("AutoNatServer.Admit", seed, input, () => admission = server.Admit(Asker.PeerId, Observed, false, input, DateTimeOffset.UnixEpoch));
            if (admission!.Response is null)
            {
                Assert.That(admission.DialTargets.All(t => t.ToString().StartsWith("/ip4/8.8.4.4/tcp/", StringComparison.Ordinal)), Is.True,
                    $"seed {seed}: dialled off the observed IP for 0x{Convert.ToHexStringLower(input)}");
                server.Complete(admission, null);
            }
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void DialResponses_AreCheckedOrAFormatException(int seed)
    {
        byte[][] valid =
        [
            AutoNatMessages.EncodeDialResponse(AutoNatStatus.Ok, "", Multiaddress.Parse("/ip4/8.8.4.4/tcp/4001")),
            AutoNatMessages.EncodeDialResponse(AutoNatStatus.DialError, "dial back failed"),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 200);
            AutoNatDialResponse? response = null;
            if (Fuzz.CheckBounded("AutoNatMessages.ParseDialResponse", seed, input, () => response = AutoNatMessages.ParseDialResponse(input), typeof(FormatException)))
                Assert.That(Enum.IsDefined(response!.Status), Is.True);
        }
    }
}
