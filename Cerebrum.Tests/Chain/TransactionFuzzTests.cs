using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Transactions from peers and the gossip codec that carries them: <see cref="TransactionCodec.TryDecode(byte[], string, ChainParams, out VerifiedTransaction?, out ChainError?)"/>
/// and <see cref="TransactionGossipCodec.TryDecode"/> report every bad input as false with a <see cref="ChainError"/> or
/// message, and never throw.
/// </summary>
public class TransactionFuzzTests
{
    private static readonly PrivateKey Sender = Fuzz.Key("transaction-fuzz-sender", KeyType.Secp256k1);
    private static readonly PrivateKey Other = Fuzz.Key("transaction-fuzz-other", KeyType.Secp256k1);
    private static readonly ChainParams Params = new();

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Sender.Dispose();
        Other.Dispose();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void TryDecode_VerifiesOrReportsAChainError(int seed)
    {
        byte[][] valid =
        [
            Txs.Transfer(Sender, 0, Other.PeerId, 5),
            Txs.Stake(Sender, 1, 100),
            Txs.RegisterNode(Sender, 2, 5000, [Txs.ModelHash(1)]),
            Txs.RegisterModel(Sender, 3, Txs.ModelHash(2), "m"),
        ];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(400); i++)
        {
            var input = mutator.Next(valid, 120);
            var decoded = false;
            VerifiedTransaction? tx = null;
            ChainError? error = null;
            Fuzz.CheckBounded("TransactionCodec.TryDecode", seed, input,
                () => decoded = TransactionCodec.TryDecode(input, ChainFixture.ChainId, Params, out tx, out error));
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            if (decoded)
            {
                Assert.That((tx!.Hash, tx.Sender), Is.EqualTo((TransactionCodec.Hash(input), Sender.PeerId)), context);
                // Malleability (issue 13 item 8): what decodes is the one canonical encoding with a strict low-S signature.
                var signed = Cerebrum.Core.Chain.Proto.SignedTransaction.Parser.ParseFrom(input);
                Assert.That(Google.Protobuf.MessageExtensions.ToByteArray(signed), Is.EqualTo(input), context);
                Assert.That(Cerebrum.Core.Crypto.EcdsaSignatureEncoding.IsStrictLowS(signed.Signature.Span), Is.True, context);
            }
            else
                Assert.That(error?.Message, Is.Not.Empty, context);
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void GossipTryDecode_SplitsBatchesOrReportsAnError(int seed)
    {
        var one = Txs.Transfer(Sender, 0, Other.PeerId, 5);
        var two = Txs.Stake(Sender, 1, 100);
        byte[][] valid = [TransactionGossipCodec.Encode([one]), TransactionGossipCodec.Encode([one, two]), TransactionGossipCodec.Encode([two, one, two])];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var input = mutator.Next(valid, 120);
            var decoded = false;
            IReadOnlyList<byte[]> transactions = [];
            string? error = null;
            Fuzz.CheckBounded("TransactionGossipCodec.TryDecode", seed, input,
                () => decoded = TransactionGossipCodec.TryDecode(input, 8, out transactions, out error));
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            if (!decoded)
            {
                Assert.That(error, Is.Not.Empty, context);
                continue;
            }
            Assert.That(transactions, Has.Count.InRange(1, 8), context);
            // One payload per content: a lone transaction is its own bytes, a batch exactly its canonical encoding.
            var batch = new Cerebrum.Core.Chain.Proto.TransactionGossip();
            foreach (var tx in transactions) batch.Batch.Add(Google.Protobuf.ByteString.CopyFrom(tx));
            var oneEncoding = (transactions.Count == 1 && transactions[0].AsSpan().SequenceEqual(input))
                              || Google.Protobuf.MessageExtensions.ToByteArray(batch).AsSpan().SequenceEqual(input);
            Assert.That(oneEncoding, Is.True, $"{context}: a re-wrapped batch decodes");
            foreach (var tx in transactions)
                Fuzz.Check("TransactionCodec.TryDecode", seed, tx, () => TransactionCodec.TryDecode(tx, ChainFixture.ChainId, Params, out _, out _));
        }
    }
}
