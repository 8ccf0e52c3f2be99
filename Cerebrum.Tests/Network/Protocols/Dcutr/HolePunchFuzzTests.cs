using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Dcutr;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Dcutr;

/// <summary>DCUtR messages come from a peer on a relayed connection: they decode to dialable addresses or fail with a <see cref="FormatException"/>.</summary>
public sealed class HolePunchFuzzTests
{
    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void ConnectAndSync_AreCheckedOrAFormatException(int seed)
    {
        byte[][] valid =
        [
            HolePunchMessages.EncodeConnect([Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001"), Multiaddress.Parse("/ip6/2606:4700::1/tcp/4001")]),
            HolePunchMessages.EncodeSync(),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 200);
            IReadOnlyList<Multiaddress>? addresses = null;
            if (Fuzz.CheckBounded("HolePunchMessages.ParseConnect", seed, input, () => addresses = HolePunchMessages.ParseConnect(input, allowNonPublic: false), typeof(FormatException)))
                Assert.That(addresses!.All(a => HolePunchMessages.Dialable(a, false)) && addresses!.Count <= HolePunchMessages.MaxAddresses, Is.True);
            Fuzz.CheckBounded("HolePunchMessages.ParseSync", seed, input, () => HolePunchMessages.ParseSync(input), typeof(FormatException));
            var responder = new HolePunchResponder([Multiaddress.Parse("/ip4/9.9.9.9/tcp/1")], new HolePunchOptions());
            Fuzz.Check("HolePunchResponder.OnConnect", seed, input, () => responder.OnConnect(input), typeof(FormatException));
        }
    }
}
