using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Chain.Genesis;

/// <summary>The genesis file read from disk: <see cref="GenesisDocument.Parse"/> yields a valid document or throws <see cref="ChainException"/>.</summary>
public class GenesisDocumentFuzzTests
{
    private static readonly PrivateKey Validator = Fuzz.Key("genesis-fuzz-validator", KeyType.Secp256k1);
    private static readonly PrivateKey User = Fuzz.Key("genesis-fuzz-user", KeyType.Ed25519);

    private static readonly string Valid = new GenesisDocument
    {
        ChainId = "fuzz",
        GenesisTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Accounts = [new GenesisAccount { PeerId = User.PeerId.ToString(), Balance = 5, Stake = 1 }],
        Validators = [GenesisValidator.From(Validator.PublicKey, 10)],
    }.ToJson();

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Validator.Dispose();
        User.Dispose();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Parse_YieldsAValidDocumentOrThrowsChainException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var text = mutator.MutateText(Valid);
            GenesisDocument? document = null;
            if (Fuzz.Check("GenesisDocument.Parse", seed, System.Text.Encoding.UTF8.GetBytes(text), () => document = GenesisDocument.Parse(text), typeof(ChainException)))
                Assert.That(GenesisDocument.Parse(document!.ToJson()).ChainId, Is.EqualTo(document.ChainId), $"seed {seed}: {text}");
        }
    }

    [TestCase("{\"chainId\":\"\uD800\",\"genesisTime\":\"2026-01-01T00:00:00Z\"}")] // a lone surrogate: no JSON text at all
    [TestCase("""{"chainId":"c","genesisTime":"2026-01-01T00:00:00Z","params":null}""")]
    [TestCase("""{"chainId":"c","genesisTime":"2026-01-01T00:00:00Z","validators":null}""")]
    [TestCase("""{"chainId":"c","genesisTime":"2026-01-01T00:00:00Z","accounts":null}""")]
    [TestCase("""{"chainId":"c","genesisTime":"2026-01-01T00:00:00Z","accounts":[null],"validators":[{"publicKey":"x","power":1}]}""")]
    [TestCase("""{"chainId":"c","genesisTime":"2026-01-01T00:00:00Z","validators":[null]}""")]
    [TestCase("""{"chainId":"c","genesisTime":"2026-01-01T00:00:00Z","validators":[{"publicKey":null,"power":1}]}""")]
    public void NullsWhereObjectsBelong_AreInvalidFields(string json)
    {
        var error = Assert.Throws<ChainException>(() => GenesisDocument.Parse(json));
        Assert.That(error!.Message, Does.Contain("genesis"));
    }
}
