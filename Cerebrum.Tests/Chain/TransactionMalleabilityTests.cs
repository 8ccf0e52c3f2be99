using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Consensus;
using Cerebrum.Tests.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Issue 13 item 8, performed: a third party who relays a signed transaction cannot change its bytes (and so its hash)
/// and have the change accepted. The review appended 2 bytes to a transfer and got it included under another hash,
/// after which the sender's own copy failed with WrongNonce.
/// </summary>
[TestFixture]
public sealed class TransactionMalleabilityTests
{
    [Test]
    public void AppendedBytes_AreRefused_AndTheSendersOwnCopyIsIncludedUnderItsHash()
    {
        using var chain = new ChainFixture();
        var original = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 7);
        byte[] appended = [.. original, (15 << 3) | 0, 1]; // field 15, varint 1: an unknown field, 2 bytes

        var refused = chain.Refused(appended, ChainErrorCode.NonCanonicalEncoding);
        Assert.That(refused.Message, Does.Contain("canonical"));
        chain.Submit(original);
        var block = chain.CommitNext();
        Assert.That(block.Block.Txs.Single().ToByteArray(), Is.EqualTo(original));
        Assert.That(chain.Node.GetTransaction(TransactionCodec.Hash(original)), Is.Not.Null, "included under the hash its sender knows");
        Assert.That(chain.Node.GetTransaction(TransactionCodec.Hash(appended)), Is.Null);
    }

    [Test]
    public void EveryOtherEncodingOfTheSameTransaction_IsRefused()
    {
        using var chain = new ChainFixture();
        var original = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 7);
        var signed = SignedTransaction.Parser.ParseFrom(original);

        var highS = new SignedTransaction { Transaction = signed.Transaction, Signature = ByteString.CopyFrom(SignatureMalleability.HighS(signed.Signature.ToByteArray())) };
        Assert.That(chain.Refused(highS.ToByteArray(), ChainErrorCode.BadSignature).Message, Does.Contain("signature"));
        var laxDer = new SignedTransaction { Transaction = signed.Transaction, Signature = ByteString.CopyFrom(SignatureMalleability.PaddedR(signed.Signature.ToByteArray())) };
        chain.Refused(laxDer.ToByteArray(), ChainErrorCode.BadSignature);

        // The signature field written twice (protobuf keeps the last), the fields swapped, a length padded.
        using var twice = new MemoryStream();
        twice.Write(original);
        twice.Write(new SignedTransaction { Signature = signed.Signature }.ToByteArray());
        chain.Refused(twice.ToArray(), ChainErrorCode.NonCanonicalEncoding);
        byte[] swapped = [.. new SignedTransaction { Signature = signed.Signature }.ToByteArray(), .. new SignedTransaction { Transaction = signed.Transaction }.ToByteArray()];
        chain.Refused(swapped, ChainErrorCode.NonCanonicalEncoding);

        // An unknown field inside the signed Transaction (the sender's own doing, still one encoding per transaction).
        var body = Transaction.Parser.ParseFrom(signed.Transaction);
        var inner = TransactionCodec.Sign(chain.Alice, body);
        var innerSigned = SignedTransaction.Parser.ParseFrom(inner);
        byte[] padded = [.. innerSigned.Transaction.ToByteArray(), (15 << 3) | 0, 5];
        var resigned = new SignedTransaction { Transaction = ByteString.CopyFrom(padded), Signature = ByteString.CopyFrom(chain.Alice.Sign(TransactionCodec.SignBytes(padded))) };
        chain.Refused(resigned.ToByteArray(), ChainErrorCode.NonCanonicalEncoding);

        chain.Submit(original);
        Assert.That(chain.Node.PendingTransactions, Is.EqualTo(1));
    }

    [Test]
    public void ConsensusSignatures_HaveOneEncodingToo()
    {
        using var chain = new ChainFixture();
        var validator = chain.Validators[0];
        var vote = SignedVote.Sign(validator, ChainFixture.ChainId, VoteType.Precommit, 1, 0, new byte[32]);
        var highS = new SignedVote(vote.Type, vote.Height, vote.Round, vote.ValueId.Span, vote.Validator, SignatureMalleability.HighS(vote.Signature.ToArray()));
        Assert.That(vote.VerifySignature(ChainFixture.ChainId, validator.PublicKey), Is.True);
        Assert.That(highS.VerifySignature(ChainFixture.ChainId, validator.PublicKey), Is.False);

        var block = chain.Propose();
        var commit = Commit.FromBytes(chain.CommitFor(block));
        var malleated = new Commit(commit.Height, commit.Round, commit.ValueId.Span,
            [.. commit.Signatures.Select((s, i) => i == 0 ? s with { Signature = SignatureMalleability.HighS(s.Signature.ToArray()) } : s)]);
        Assert.That(chain.Node.Commit(block, malleated.ToBytes())?.Code, Is.EqualTo(ChainErrorCode.BadCommit));
        byte[] paddedCommit = [.. commit.ToBytes(), (9 << 3) | 0, 1];
        Assert.That(chain.Node.Commit(block, paddedCommit)?.Code, Is.EqualTo(ChainErrorCode.BadCommit), "a commit's bytes are hashed into the next block: one encoding");
        Assert.That(chain.Node.Commit(block, commit.ToBytes()), Is.Null);
    }
}
