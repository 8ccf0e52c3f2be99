using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.Chain;

namespace Cerebrum.Tests.Market.Payments;

/// <summary>
/// A retired payer (a validator's throwaway canary identity) swept into its beneficiary on a simulated chain: its open
/// channels closed, settled after the settle delay, its balance transferred less the fee; the money is exact to the
/// micro-CER (what the node was paid stays the node's, everything else reaches the beneficiary less the sweep's fees) and
/// the supply is checked after every block. Alice is the retired payer, Bob the node, Carol the validator that funded her.
/// </summary>
[TestFixture]
public sealed class PayerSweepTests
{
    [Test]
    public void ARetiredPayer_IsSweptIntoTheBeneficiary_ToTheMicroCer_AndNothingIsLeftAfterTheSettleDelay()
    {
        using var chain = new ChainFixture();
        var (payer, node, beneficiary) = (chain.Alice, chain.Bob, chain.Carol);
        var paid = OpenChannel(chain, payer, node, 10_000);
        OpenChannel(chain, payer, node, 5_000);
        chain.Submit(Txs.ClaimChannel(node, chain.Node.GetNextNonce(node.PeerId), Vouchers.Sign(payer, ChainFixture.ChainId, paid, 3_000, 1)));
        chain.CommitNext();
        var payerBefore = Balance(chain, payer);
        var beneficiaryBefore = Balance(chain, beneficiary);
        var nodeBefore = Balance(chain, node);
        var fee = chain.Node.Params.MinFee;
        var sweep = new PayerSweep(chain.Node, payer, beneficiary.PeerId, tx => chain.Node.SubmitTransaction(tx));

        var stages = new List<PayerSweep.Stage>();
        for (var i = 0; i < 20 && (stages.Count == 0 || stages[^1] != PayerSweep.Stage.Done); i++)
        {
            var stage = sweep.Step(out var errors);
            Assert.That(errors, Is.Empty);
            stages.Add(stage);
            var pending = chain.Node.PendingTransactions;
            sweep.Step(out _);
            Assert.That(chain.Node.PendingTransactions, Is.EqualTo(pending), "a second step before the block sends nothing twice");
            // Blocks half an hour apart: the hour's settle delay passes within the loop.
            chain.CommitNext(chain.Node.Status.LastTime + TimeSpan.FromMinutes(30));
        }

        Assert.That(stages, Does.Contain(PayerSweep.Stage.Closing).And.Contain(PayerSweep.Stage.Settling).And.Contain(PayerSweep.Stage.Transferring));
        Assert.That(stages[^1], Is.EqualTo(PayerSweep.Stage.Done));
        Assert.That(chain.Node.ListChannels(payer.PeerId), Is.Empty, "no channel is left open or unsettled");
        Assert.That(Balance(chain, payer), Is.Zero, "nothing is stranded in the retired account");
        // Two closes, two settles and the transfer, one fee each; the node keeps the 3000 it was paid (less the take) and nothing more.
        var fees = 5 * fee;
        var refunded = 10_000 - 3_000 + 5_000UL;
        Assert.That(Balance(chain, beneficiary) - beneficiaryBefore, Is.EqualTo(payerBefore + refunded - fees));
        Assert.That(Balance(chain, node), Is.EqualTo(nodeBefore), "the node's pay was claimed before; the sweep takes nothing from it");
    }

    [Test]
    public void APayerWithTransactionsPending_IsLeftAlone_UntilTheyCommit()
    {
        using var chain = new ChainFixture();
        var sweep = new PayerSweep(chain.Node, chain.Alice, chain.Carol.PeerId, tx => chain.Node.SubmitTransaction(tx));
        chain.Submit(Txs.Transfer(chain.Alice, chain.Node.GetNextNonce(chain.Alice.PeerId), chain.Bob.PeerId, 1));

        Assert.That(sweep.Step(out _), Is.EqualTo(PayerSweep.Stage.Waiting));
        Assert.That(chain.Node.PendingTransactions, Is.EqualTo(1));
        chain.CommitNext();
        Assert.That(sweep.Step(out _), Is.EqualTo(PayerSweep.Stage.Transferring));
    }

    private static byte[] OpenChannel(ChainFixture chain, PrivateKey payer, PrivateKey node, ulong deposit)
    {
        var nonce = chain.Node.GetNextNonce(payer.PeerId);
        chain.Submit(Txs.OpenChannel(payer, nonce, node.PeerId, deposit));
        chain.CommitNext();
        return PaymentIds.Channel(payer.PeerId, nonce);
    }

    private static ulong Balance(ChainFixture chain, PrivateKey key) => chain.Node.GetAccount(key.PeerId).Balance;
}
