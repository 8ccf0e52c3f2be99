using System.Text;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Payments;

[TestFixture]
public sealed class VoucherTests
{
    private static readonly byte[] Channel = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Test]
    public void Sign_bytes_are_the_documented_fixed_layout()
    {
        var receipt = Enumerable.Repeat((byte)0xAB, 32).ToArray();
        byte[] expected =
        [
            .. Encoding.ASCII.GetBytes("cerebrum-voucher:"), 5, .. Encoding.ASCII.GetBytes("chain"), .. Channel,
            0, 0, 0, 0, 0, 0, 0x30, 0x39, // amount 12345
            0, 0, 0, 0, 0, 0, 0, 7, // nonce 7
            .. receipt,
        ];
        Assert.That(Vouchers.SignBytes("chain", Channel, 12_345, 7, receipt), Is.EqualTo(expected));
        Assert.That(Vouchers.SignBytes("chain", Channel, 12_345, 7, []), Is.EqualTo(expected[..^32].Concat(new byte[32])), "no receipt signs as 32 zero bytes");
    }

    [Test]
    public void A_voucher_verifies_only_for_its_payer_chain_and_fields()
    {
        using var payer = PrivateKey.Generate(KeyType.Secp256k1);
        using var other = PrivateKey.Generate(KeyType.Secp256k1);
        var voucher = Vouchers.Sign(payer, "chain", Channel, 500, 3);
        Assert.Multiple(() =>
        {
            Assert.That(Vouchers.Verify("chain", voucher, payer.PublicKey), Is.True);
            Assert.That(Vouchers.Verify("chain", Voucher.Parser.ParseFrom(voucher.ToByteArray()), payer.PublicKey), Is.True, "survives its encoding");
            Assert.That(Vouchers.Verify("chain2", voucher, payer.PublicKey), Is.False);
            Assert.That(Vouchers.Verify("chain", voucher, other.PublicKey), Is.False);
            Assert.That(Vouchers.Verify("chain", Changed(voucher, v => v.Nonce = 4), payer.PublicKey), Is.False);
            Assert.That(Vouchers.Verify("chain", Changed(voucher, v => v.Amount = 501), payer.PublicKey), Is.False);
            Assert.That(Vouchers.Verify("chain", Changed(voucher, v => v.ChannelId = ByteString.CopyFrom(new byte[32])), payer.PublicKey), Is.False);
            Assert.That(Vouchers.Verify("chain", Changed(voucher, v => v.ChannelId = ByteString.CopyFrom(new byte[33])), payer.PublicKey), Is.False, "a malformed id is refused, not thrown on");
            Assert.That(Vouchers.CheckShape(Changed(voucher, v => v.ReceiptHash = ByteString.CopyFrom(new byte[31]))), Does.Contain("receipt hash"));
            Assert.That(Vouchers.CheckShape(null), Is.EqualTo("no voucher"));
            Assert.That(voucher.CalculateSize(), Is.LessThanOrEqualTo(Vouchers.MaxEncodedBytes));
        });
    }

    [Test]
    public void Payment_ids_hash_what_makes_them_unique()
    {
        using var a = PrivateKey.Generate(KeyType.Secp256k1);
        using var b = PrivateKey.Generate(KeyType.Secp256k1);
        Assert.Multiple(() =>
        {
            Assert.That(PaymentIds.Channel(a.PeerId, 0), Has.Length.EqualTo(32));
            Assert.That(PaymentIds.Channel(a.PeerId, 0), Is.Not.EqualTo(PaymentIds.Channel(a.PeerId, 1)));
            Assert.That(PaymentIds.Channel(a.PeerId, 0), Is.Not.EqualTo(PaymentIds.Channel(b.PeerId, 0)));
            Assert.That(PaymentIds.Lease(a.PeerId, 0), Is.Not.EqualTo(PaymentIds.Channel(a.PeerId, 0)), "another domain");
            Assert.That(PaymentIds.TryParse(PaymentIds.ToHex(Channel), out var parsed) && parsed.SequenceEqual(Channel), Is.True);
            Assert.That(PaymentIds.TryParse("zz" + new string('0', 62), out _), Is.False);
            Assert.That(PaymentIds.TryParse("00", out _), Is.False);
        });
    }

    [Test]
    public void Supply_delta_counts_every_kind_of_holding()
    {
        using var a = PrivateKey.Generate(KeyType.Secp256k1);
        var parent = new StateOverlay(new CommittedState());
        parent.SetAccount(a.PeerId, new AccountState { Balance = 100, Stake = 10, Escrow = 1 });
        var overlay = new StateOverlay(parent);
        overlay.SetAccount(a.PeerId, new AccountState { Balance = 50, Stake = 10, Escrow = 1 });
        overlay.SetChannel(Channel, new ChannelState { Deposit = 70, Paid = 20 });
        Assert.That(Supply.Delta(overlay), Is.EqualTo((Int128)0), "50 moved into a channel holding 50");
        overlay.SetLease(Channel, new LeaseState { Prepaid = 7 });
        Assert.That(Supply.Delta(overlay), Is.EqualTo((Int128)7));
        overlay.MergeInto(parent);
        Assert.That(Supply.Count(parent), Is.EqualTo(new SupplyTotals(50, 10, 1, 0, 0, 50, 7, 0)));
    }

    private static Voucher Changed(Voucher voucher, Action<Voucher> change)
    {
        var copy = voucher.Clone();
        change(copy);
        return copy;
    }
}
