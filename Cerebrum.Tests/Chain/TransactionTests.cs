using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class TransactionTests
{
    private ChainFixture _chain = null!;

    [SetUp]
    public void SetUp() => _chain = new ChainFixture();

    [TearDown]
    public void TearDown() => _chain.Dispose();

    private FinalizedBlock Apply(params byte[][] txs)
    {
        foreach (var tx in txs) _chain.Submit(tx);
        var block = _chain.CommitNext();
        Assert.That(block.Block.Txs, Has.Count.EqualTo(txs.Length), "every submitted transaction is in the block");
        return block;
    }

    [Test]
    public void Transfer_moves_the_amount_charges_the_fee_to_the_proposer_and_bumps_the_nonce()
    {
        Apply(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1_000, fee: 7));
        var alice = _chain.Node.GetAccount(_chain.Alice.PeerId);
        Assert.Multiple(() =>
        {
            Assert.That(alice.Balance, Is.EqualTo(ChainFixture.UserBalance - 1_007));
            Assert.That(alice.Nonce, Is.EqualTo(1));
            Assert.That(alice.PublicKey.ToByteArray(), Is.EqualTo(_chain.Alice.PublicKey.ToProtobuf()), "the account learns its key");
            Assert.That(_chain.Node.GetAccount(_chain.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance + 1_000));
            Assert.That(_chain.Node.GetAccount(_chain.Validators[0].PeerId).Balance, Is.EqualTo(7), "the proposer earns the fee");
        });
    }

    [Test]
    public void Transfer_to_a_new_account_creates_it()
    {
        var newcomer = PrivateKey.Generate(KeyType.Secp256k1).PeerId;
        Apply(Txs.Transfer(_chain.Alice, 0, newcomer, 500));
        Assert.That(_chain.Node.GetAccount(newcomer).Balance, Is.EqualTo(500));
    }

    [Test]
    public void A_sender_may_queue_several_nonces_in_one_block()
    {
        Apply(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1), Txs.Transfer(_chain.Alice, 1, _chain.Bob.PeerId, 2), Txs.Stake(_chain.Alice, 2, 3));
        Assert.That(_chain.Node.GetAccount(_chain.Alice.PeerId).Nonce, Is.EqualTo(3));
    }

    [Test]
    public void Stake_bonds_balance_and_gives_voting_power_from_the_next_height()
    {
        Assert.That(_chain.Node.GetValidatorSet(2)?.Find(_chain.Alice.PeerId), Is.Null);
        Apply(Txs.Stake(_chain.Alice, 0, 25_500));
        var alice = _chain.Node.GetAccount(_chain.Alice.PeerId);
        Assert.Multiple(() =>
        {
            Assert.That(alice.Stake, Is.EqualTo(25_500));
            Assert.That(alice.Balance, Is.EqualTo(ChainFixture.UserBalance - 25_500 - 10));
            Assert.That(_chain.Node.GetValidatorSet(1)!.Find(_chain.Alice.PeerId), Is.Null, "height 1 was decided by the genesis set");
            Assert.That(_chain.Node.GetValidatorSet(2)!.Find(_chain.Alice.PeerId)?.Power, Is.EqualTo(25), "stake / stakePerPower, rounded down");
            Assert.That(_chain.Node.GetValidatorSet(2)!.TotalPower, Is.EqualTo(65));
        });
    }

    [Test]
    public void Unstake_locks_the_amount_until_the_unbonding_delay_has_passed_in_block_time()
    {
        Apply(Txs.Stake(_chain.Alice, 0, 10_000));
        var unstakeBlock = Apply(Txs.Unstake(_chain.Alice, 1, 4_000));
        var afterUnstake = ChainFixture.UserBalance - 10_000 - 20;
        Assert.Multiple(() =>
        {
            Assert.That(_chain.Node.GetAccount(_chain.Alice.PeerId).Stake, Is.EqualTo(6_000));
            Assert.That(_chain.Node.GetAccount(_chain.Alice.PeerId).Balance, Is.EqualTo(afterUnstake));
            Assert.That(_chain.Node.GetUnbonding(_chain.Alice.PeerId)?.Amount, Is.EqualTo(4_000));
            Assert.That(_chain.Node.GetValidatorSet(3)!.Find(_chain.Alice.PeerId)?.Power, Is.EqualTo(6));
        });
        var unstakeTime = DateTimeOffset.FromUnixTimeMilliseconds(unstakeBlock.Block.Header.TimeUnixMs);
        _chain.CommitNext(unstakeTime + TimeSpan.FromSeconds(59));
        Assert.That(_chain.Node.GetAccount(_chain.Alice.PeerId).Balance, Is.EqualTo(afterUnstake), "still unbonding");
        _chain.CommitNext(unstakeTime + TimeSpan.FromMinutes(1));
        Assert.Multiple(() =>
        {
            Assert.That(_chain.Node.GetAccount(_chain.Alice.PeerId).Balance, Is.EqualTo(afterUnstake + 4_000));
            Assert.That(_chain.Node.GetUnbonding(_chain.Alice.PeerId), Is.Null);
        });
    }

    [Test]
    public void Deposit_moves_balance_into_escrow()
    {
        Apply(Txs.Deposit(_chain.Alice, 0, 50_000));
        var alice = _chain.Node.GetAccount(_chain.Alice.PeerId);
        Assert.That((alice.Escrow, alice.Balance), Is.EqualTo((50_000UL, ChainFixture.UserBalance - 50_010)));
    }

    [Test]
    public void RegisterModel_records_the_model_and_its_name_owner()
    {
        Apply(Txs.RegisterModel(_chain.Alice, 0, Txs.ModelHash(1), "minilm"));
        var model = _chain.Node.GetModel(Txs.ModelHash(1));
        Assert.That(model, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(model!.Name, Is.EqualTo("minilm"));
            Assert.That(model.Task, Is.EqualTo("embedding"));
            Assert.That(model.Owner.ToByteArray(), Is.EqualTo(_chain.Alice.PeerId.Bytes.ToArray()));
            Assert.That(model.RegisteredHeight, Is.EqualTo(1));
        });
    }

    [Test]
    public void A_model_name_belongs_to_its_first_registrant()
    {
        Apply(Txs.RegisterModel(_chain.Alice, 0, Txs.ModelHash(1), "minilm"));
        var error = _chain.Refused(Txs.RegisterModel(_chain.Bob, 0, Txs.ModelHash(2), "minilm"), ChainErrorCode.DuplicateModelName);
        Assert.That(error.Message, Does.Contain("minilm"));
        Apply(Txs.RegisterModel(_chain.Alice, 1, Txs.ModelHash(2), "minilm"));
        Assert.That(_chain.Node.GetModel(Txs.ModelHash(2))?.Name, Is.EqualTo("minilm"), "the owner may add a version under the name");
    }

    [Test]
    public void The_same_model_hash_cannot_be_registered_twice()
    {
        Apply(Txs.RegisterModel(_chain.Alice, 0, Txs.ModelHash(1), "minilm"));
        _chain.Refused(Txs.RegisterModel(_chain.Bob, 0, Txs.ModelHash(1), "other"), ChainErrorCode.ModelAlreadyRegistered);
    }

    [Test]
    public void RegisterNode_bonds_stake_and_records_hardware_region_and_models()
    {
        Apply(Txs.RegisterModel(_chain.Alice, 0, Txs.ModelHash(1), "minilm"));
        Apply(Txs.RegisterNode(_chain.Bob, 0, 6_000, [Txs.ModelHash(1)]));
        var node = _chain.Node.GetNode(_chain.Bob.PeerId);
        Assert.That(node, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(node!.Stake, Is.EqualTo(6_000));
            Assert.That(node.Region, Is.EqualTo("eu-west"));
            Assert.That(node.Hardware, Is.EqualTo("RTX 4090"));
            Assert.That(node.ModelHashes, Is.EqualTo(new[] { Txs.ModelHash(1) }));
            Assert.That(_chain.Node.GetAccount(_chain.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance - 6_010));
        });
        Apply(Txs.RegisterNode(_chain.Bob, 1, 0, [], region: "us-east"));
        Assert.That((_chain.Node.GetNode(_chain.Bob.PeerId)!.Stake, _chain.Node.GetNode(_chain.Bob.PeerId)!.Region), Is.EqualTo((6_000UL, "us-east")), "re-registration updates, keeping the bond");
    }

    [Test]
    public void RegisterNode_with_an_unregistered_model_is_refused() =>
        _chain.Refused(Txs.RegisterNode(_chain.Bob, 0, 6_000, [Txs.ModelHash(9)]), ChainErrorCode.UnknownModel);

    [Test]
    public void RegisterNode_below_the_minimum_node_stake_is_refused() =>
        _chain.Refused(Txs.RegisterNode(_chain.Bob, 0, 4_999, []), ChainErrorCode.NodeStakeTooLow);

    [Test]
    public void Node_stake_must_be_covered_by_the_balance()
    {
        var stranger = PrivateKey.Generate(KeyType.Secp256k1);
        Apply(Txs.Transfer(_chain.Alice, 0, stranger.PeerId, 5_020));
        _chain.Refused(Txs.RegisterNode(stranger, 0, 5_020, []), ChainErrorCode.InsufficientBalance);
    }

    [Test]
    public void A_tampered_signature_is_refused()
    {
        var signed = SignedTransaction.Parser.ParseFrom(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1));
        var body = Transaction.Parser.ParseFrom(signed.Transaction);
        body.Transfer.Amount = 1_000_000;
        signed.Transaction = body.ToByteString();
        _chain.Refused(signed.ToByteArray(), ChainErrorCode.BadSignature);
    }

    [Test]
    public void A_signature_by_another_key_is_refused()
    {
        var mine = SignedTransaction.Parser.ParseFrom(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1));
        var theirs = SignedTransaction.Parser.ParseFrom(Txs.Transfer(_chain.Bob, 0, _chain.Bob.PeerId, 1));
        mine.Signature = theirs.Signature;
        _chain.Refused(mine.ToByteArray(), ChainErrorCode.BadSignature);
    }

    [Test]
    public void A_transaction_for_another_chain_is_refused() =>
        _chain.Refused(Txs.Sign(_chain.Alice, 0, t => t.Stake = new Stake { Amount = 1 }, chainId: "other-chain"), ChainErrorCode.WrongChainId);

    [Test]
    public void A_wrong_nonce_is_refused_with_the_expected_one()
    {
        var error = _chain.Refused(Txs.Transfer(_chain.Alice, 1, _chain.Bob.PeerId, 1), ChainErrorCode.WrongNonce);
        Assert.That(error.Message, Does.Contain("expected 0"));
        Apply(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1));
        _chain.Refused(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 2), ChainErrorCode.WrongNonce);
    }

    [Test]
    public void A_fee_below_the_minimum_is_refused() =>
        _chain.Refused(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1, fee: 4), ChainErrorCode.FeeTooLow);

    [Test]
    public void A_transfer_beyond_the_balance_is_refused() =>
        _chain.Refused(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, ChainFixture.UserBalance - 9), ChainErrorCode.InsufficientBalance);

    [Test]
    public void A_fee_beyond_the_balance_is_refused()
    {
        var stranger = PrivateKey.Generate(KeyType.Secp256k1);
        _chain.Refused(Txs.Stake(stranger, 0, 1), ChainErrorCode.InsufficientBalance);
    }

    [Test]
    public void Stake_and_deposit_beyond_the_balance_are_refused()
    {
        _chain.Refused(Txs.Stake(_chain.Alice, 0, ChainFixture.UserBalance), ChainErrorCode.InsufficientBalance);
        _chain.Refused(Txs.Deposit(_chain.Alice, 0, ChainFixture.UserBalance), ChainErrorCode.InsufficientBalance);
    }

    [Test]
    public void Unstaking_more_than_the_stake_is_refused()
    {
        Apply(Txs.Stake(_chain.Alice, 0, 100));
        _chain.Refused(Txs.Unstake(_chain.Alice, 1, 101), ChainErrorCode.InsufficientStake);
    }

    [Test]
    public void Zero_amounts_are_refused()
    {
        _chain.Refused(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 0), ChainErrorCode.InvalidAmount);
        _chain.Refused(Txs.Stake(_chain.Alice, 0, 0), ChainErrorCode.InvalidAmount);
        _chain.Refused(Txs.Unstake(_chain.Alice, 0, 0), ChainErrorCode.InvalidAmount);
        _chain.Refused(Txs.Deposit(_chain.Alice, 0, 0), ChainErrorCode.InvalidAmount);
    }

    [Test]
    public void Invalid_fields_are_refused()
    {
        _chain.Refused(Txs.Transfer(_chain.Alice, 0, _chain.Alice.PeerId, 1), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.Sign(_chain.Alice, 0, t => t.Transfer = new Transfer { To = ByteString.CopyFrom(1, 2, 3), Amount = 1 }), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.RegisterModel(_chain.Alice, 0, "sha256:XYZ", "m"), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.RegisterModel(_chain.Alice, 0, Txs.ModelHash(1), ""), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.RegisterNode(_chain.Alice, 0, 6_000, [], region: ""), ChainErrorCode.InvalidField);
    }

    [Test]
    public void Oversized_malformed_and_bodiless_transactions_are_refused()
    {
        _chain.Refused(Txs.Sign(_chain.Alice, 0, t => t.RegisterNode = new RegisterNode { Stake = 6_000, Region = "r", Hardware = new string('x', 20_000) }), ChainErrorCode.TransactionTooLarge);
        _chain.Refused([0xFF, 0xFF, 0xFF], ChainErrorCode.MalformedTransaction);
        _chain.Refused(Txs.Sign(_chain.Alice, 0, _ => { }), ChainErrorCode.UnknownTransactionType);
    }

    [Test]
    public void A_block_carrying_an_invalid_transaction_is_refused_with_its_index_and_code()
    {
        _chain.Submit(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1));
        var block = Block.Parser.ParseFrom(_chain.Propose());
        block.Txs.Add(ByteString.CopyFrom(Txs.Transfer(_chain.Bob, 0, _chain.Carol.PeerId, ChainFixture.UserBalance * 2)));
        block.Header.TxRoot = ByteString.CopyFrom(BlockHashing.TxRoot([.. block.Txs.Select(t => t.Memory)]));
        var error = _chain.Node.ValidateProposal(block.ToByteArray());
        Assert.That(error, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(error!.Code, Is.EqualTo(ChainErrorCode.InvalidTransactionInBlock));
            Assert.That(error.TxCode, Is.EqualTo(ChainErrorCode.InsufficientBalance));
            Assert.That(error.TxIndex, Is.EqualTo(1));
        });
        Assert.That(_chain.Node.Commit(block.ToByteArray(), _chain.CommitFor(block.ToByteArray()))?.Code, Is.EqualTo(ChainErrorCode.InvalidTransactionInBlock));
        Assert.That(_chain.Node.Status.Height, Is.Zero);
    }

    [Test]
    public void A_block_replaying_a_transaction_is_refused_for_its_nonce()
    {
        var tx = Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 1);
        _chain.Submit(tx);
        var block = Block.Parser.ParseFrom(_chain.Propose());
        block.Txs.Add(ByteString.CopyFrom(tx));
        block.Header.TxRoot = ByteString.CopyFrom(BlockHashing.TxRoot([.. block.Txs.Select(t => t.Memory)]));
        var error = _chain.Node.ValidateProposal(block.ToByteArray());
        Assert.That((error?.Code, error?.TxCode), Is.EqualTo(((ChainErrorCode?)ChainErrorCode.InvalidTransactionInBlock, (ChainErrorCode?)ChainErrorCode.WrongNonce)));
    }
}

[TestFixture]
public sealed class TransactionHandlerTableTests
{
    [Test]
    public void Every_transaction_type_in_the_proto_has_exactly_its_handler()
    {
        var types = Enum.GetValues<Transaction.BodyOneofCase>().Where(t => t != Transaction.BodyOneofCase.None).ToList();
        Assert.That(types, Has.Count.GreaterThanOrEqualTo(6));
        foreach (var type in types)
            Assert.That(Cerebrum.Core.Chain.Transactions.TransactionHandlers.For(type)?.Type, Is.EqualTo(type), $"{type} has no handler in TransactionHandlers");
        Assert.That(Cerebrum.Core.Chain.Transactions.TransactionHandlers.For(Transaction.BodyOneofCase.None), Is.Null);
    }
}
