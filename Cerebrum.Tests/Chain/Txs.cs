using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

/// <summary>Builds signed transactions for tests.</summary>
public static class Txs
{
    public static byte[] Sign(PrivateKey sender, ulong nonce, Action<Transaction> body, ulong fee = 10, string chainId = ChainFixture.ChainId)
    {
        var tx = new Transaction { ChainId = chainId, Nonce = nonce, Fee = fee };
        body(tx);
        return TransactionCodec.Sign(sender, tx);
    }

    public static byte[] Transfer(PrivateKey sender, ulong nonce, PeerId to, ulong amount, ulong fee = 10) =>
        Sign(sender, nonce, t => t.Transfer = new Transfer { To = ByteString.CopyFrom(to.Bytes.Span), Amount = amount }, fee);

    public static byte[] Stake(PrivateKey sender, ulong nonce, ulong amount, ulong fee = 10) =>
        Sign(sender, nonce, t => t.Stake = new Stake { Amount = amount }, fee);

    public static byte[] Unstake(PrivateKey sender, ulong nonce, ulong amount, ulong fee = 10) =>
        Sign(sender, nonce, t => t.Unstake = new Unstake { Amount = amount }, fee);

    public static byte[] Deposit(PrivateKey sender, ulong nonce, ulong amount, ulong fee = 10) =>
        Sign(sender, nonce, t => t.Deposit = new Deposit { Amount = amount }, fee);

    public static byte[] RegisterModel(PrivateKey sender, ulong nonce, string hash, string name, ulong fee = 10) =>
        Sign(sender, nonce, t => t.RegisterModel = new RegisterModel { Hash = hash, Name = name, Task = "embedding", InputSignature = "input_ids:int64[1,n]", OutputSignature = "emb:float[1,384]" }, fee);

    public static byte[] RegisterNode(PrivateKey sender, ulong nonce, ulong stake, IEnumerable<string> models, string region = "eu-west", ulong fee = 10) =>
        Sign(sender, nonce, t => t.RegisterNode = new RegisterNode { Stake = stake, Hardware = "RTX 4090", Region = region, ModelHashes = { models } }, fee);

    public static byte[] OpenChannel(PrivateKey payer, ulong nonce, PeerId node, ulong amount, ulong fee = 10) =>
        Sign(payer, nonce, t => t.OpenChannel = new OpenChannel { Node = ByteString.CopyFrom(node.Bytes.Span), Amount = amount }, fee);

    public static byte[] TopUpChannel(PrivateKey payer, ulong nonce, byte[] channelId, ulong amount, ulong fee = 10) =>
        Sign(payer, nonce, t => t.TopUpChannel = new TopUpChannel { ChannelId = ByteString.CopyFrom(channelId), Amount = amount }, fee);

    public static byte[] ClaimChannel(PrivateKey node, ulong nonce, Voucher voucher, ulong fee = 10) =>
        Sign(node, nonce, t => t.ClaimChannel = new ClaimChannel { Voucher = voucher }, fee);

    public static byte[] CloseChannel(PrivateKey payer, ulong nonce, byte[] channelId, ulong fee = 10) =>
        Sign(payer, nonce, t => t.CloseChannel = new CloseChannel { ChannelId = ByteString.CopyFrom(channelId) }, fee);

    public static byte[] SettleChannel(PrivateKey sender, ulong nonce, byte[] channelId, ulong fee = 10) =>
        Sign(sender, nonce, t => t.SettleChannel = new SettleChannel { ChannelId = ByteString.CopyFrom(channelId) }, fee);

    public static byte[] CreateLease(PrivateKey tenant, ulong nonce, LeaseTerms terms, byte[] nodeSignature, ulong fee = 10) =>
        Sign(tenant, nonce, t => t.CreateLease = new CreateLease { Terms = terms, NodeSignature = ByteString.CopyFrom(nodeSignature) }, fee);

    public static byte[] CloseLease(PrivateKey sender, ulong nonce, byte[] leaseId, ulong fee = 10) =>
        Sign(sender, nonce, t => t.CloseLease = new CloseLease { LeaseId = ByteString.CopyFrom(leaseId) }, fee);

    public static string ModelHash(int n) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n)));
}
