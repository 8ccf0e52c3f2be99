using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain.Payments;

/// <summary>
/// Random sequences of channel and lease transactions (valid, stale, forged, oversized, racing a close) over many blocks
/// and hours of block time. Whatever is refused, the chain's money is conserved after every block (checked by
/// <see cref="ChainFixture"/>), channels never pay more than their deposit nor go backwards, and leases stay consistent.
/// </summary>
[TestFixture]
public sealed class PaymentPropertyTests
{
    [Test]
    public void Random_market_traffic_conserves_money_and_keeps_channels_and_leases_consistent([Values(1, 2, 3, 4)] int seed)
    {
        using var chain = new ChainFixture(users: 5);
        var random = new Random(seed);
        var users = chain.Users;
        var nodes = new[] { users[1], users[2] };
        foreach (var node in nodes) chain.Submit(Txs.RegisterNode(node, 0, 6_000, []));
        chain.CommitNext();

        var channels = new List<(byte[] Id, PrivateKey Payer, PrivateKey Node)>();
        var signed = new Dictionary<string, (ulong Amount, ulong Nonce)>();
        var lastPaid = new Dictionary<string, (ulong Paid, ulong Nonce)>();
        var outcomes = new Dictionary<string, int>();
        for (var block = 0; block < 40; block++)
        {
            for (var i = random.Next(1, 8); i > 0; i--)
            {
                var (name, tx) = NextTransaction(chain, random, users, nodes, channels, signed);
                var result = chain.Node.SubmitTransaction(tx);
                var key = result.Error is null ? name + " accepted" : $"{name} {result.Error.Code}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            }
            var step = random.Next(4) switch
            {
                0 => TimeSpan.FromMilliseconds(random.Next(1, 1_000)),
                1 => TimeSpan.FromMinutes(random.Next(1, 30)),
                2 => TimeSpan.FromHours(random.Next(1, 4)),
                _ => TimeSpan.FromSeconds(random.Next(1, 60)),
            };
            chain.CommitNext(chain.Node.Status.LastTime + step);

            foreach (var party in users)
            {
                foreach (var (id, channel) in chain.Node.ListChannels(party.PeerId))
                {
                    Assert.That(channel.Paid, Is.LessThanOrEqualTo(channel.Deposit), $"channel {id} paid beyond its deposit");
                    if (lastPaid.TryGetValue(id, out var before))
                        Assert.That((channel.Paid >= before.Paid, channel.Nonce >= before.Nonce), Is.EqualTo((true, true)), $"channel {id} went backwards");
                    lastPaid[id] = (channel.Paid, channel.Nonce);
                }
                foreach (var (id, lease) in chain.Node.ListLeases(party.PeerId))
                {
                    Assert.That(lease.Prepaid, Is.EqualTo(PaymentMath.LeasePrepayment(lease.Hours, lease.PricePerHour)));
                    Assert.That(lease.EndUnixMs - lease.StartUnixMs, Is.EqualTo(lease.Hours * PaymentMath.MillisecondsPerHour));
                }
            }
            foreach (var node in nodes)
                if (chain.Node.GetNode(node.PeerId)!.LeaseId is { IsEmpty: false } leaseId)
                    Assert.That(chain.Node.GetLease(leaseId.Span), Is.Not.Null, "a node's lease exists");
        }
        TestContext.Out.WriteLine(string.Join("\n", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}")));
        Assert.That(outcomes.Keys.Count(k => k.EndsWith(" accepted", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(5), "the traffic exercised most kinds of transaction");
    }

    private static (string Name, byte[] Tx) NextTransaction(ChainFixture chain, Random random, IReadOnlyList<PrivateKey> users, PrivateKey[] nodes,
        List<(byte[] Id, PrivateKey Payer, PrivateKey Node)> channels, Dictionary<string, (ulong Amount, ulong Nonce)> signed)
    {
        var sender = users[random.Next(users.Count)];
        var nonce = chain.Node.GetNextNonce(sender.PeerId);
        var amount = Amount(random);
        var channel = channels.Count > 0 ? channels[random.Next(channels.Count)] : default;
        switch (random.Next(channels.Count == 0 ? 1 : 8))
        {
            case 0:
            {
                var payee = nodes[random.Next(nodes.Length)];
                if (payee == sender) payee = users[0] == sender ? users[3] : users[0];
                channels.Add((PaymentIds.Channel(sender.PeerId, nonce), sender, payee));
                return ("open", Txs.OpenChannel(sender, nonce, payee.PeerId, amount));
            }
            case 1:
            {
                var payer = random.Next(4) == 0 ? sender : channel.Payer;
                return ("top-up", Txs.TopUpChannel(payer, Next(chain, payer), channel.Id, amount));
            }
            case 2 or 3:
            {
                var hex = PaymentIds.ToHex(channel.Id);
                var (lastAmount, lastNonce) = signed.GetValueOrDefault(hex);
                var voucherAmount = random.Next(5) == 0 ? Amount(random) : lastAmount + (ulong)random.Next(0, 5_000);
                var voucherNonce = random.Next(6) == 0 ? lastNonce : lastNonce + 1;
                var signer = random.Next(10) == 0 ? users[random.Next(users.Count)] : channel.Payer;
                var voucher = Vouchers.Sign(signer, ChainFixture.ChainId, channel.Id, voucherAmount, voucherNonce, []);
                if (signer == channel.Payer) signed[hex] = (Math.Max(lastAmount, voucherAmount), Math.Max(lastNonce, voucherNonce));
                var claimer = random.Next(8) == 0 ? sender : channel.Node;
                return ("claim", Txs.ClaimChannel(claimer, Next(chain, claimer), voucher));
            }
            case 4:
                return ("close", Txs.CloseChannel(channel.Payer, Next(chain, channel.Payer), channel.Id));
            case 5:
                return ("settle", Txs.SettleChannel(sender, nonce, channel.Id));
            case 6:
            {
                var node = nodes[random.Next(nodes.Length)];
                var tenant = users[random.Next(users.Count)];
                var state = chain.Node.GetNode(node.PeerId)!;
                var terms = LeaseTermsSigning.Terms(tenant.PeerId, node.PeerId, (uint)random.Next(0, 30), random.Next(4) == 0 ? Amount(random) : (ulong)random.Next(1, 10_000),
                    random.Next(5) == 0 ? state.LeaseSequence + 1 : state.LeaseSequence, (chain.Node.Status.LastTime + TimeSpan.FromHours(random.Next(-1, 5))).ToUnixTimeMilliseconds());
                return ("lease", Txs.CreateLease(tenant, Next(chain, tenant), terms, LeaseTermsSigning.Sign(random.Next(10) == 0 ? tenant : node, ChainFixture.ChainId, terms)));
            }
            default:
            {
                var node = nodes[random.Next(nodes.Length)];
                var leaseId = chain.Node.GetNode(node.PeerId)!.LeaseId;
                var id = leaseId.IsEmpty ? PaymentIds.Lease(node.PeerId, 0) : leaseId.ToByteArray();
                var party = chain.Node.GetLease(id) is { } lease && random.Next(3) > 0 ? (random.Next(2) == 0 ? lease.Tenant : lease.Node) : null;
                var closer = party is null ? sender : users.First(u => u.PeerId.Bytes.Span.SequenceEqual(party.Span));
                return ("close-lease", Txs.CloseLease(closer, Next(chain, closer), id));
            }
        }
    }

    private static ulong Next(ChainFixture chain, PrivateKey key) => chain.Node.GetNextNonce(key.PeerId);

    private static ulong Amount(Random random) => random.Next(10) switch
    {
        0 => ulong.MaxValue - (ulong)random.Next(0, 3),
        1 => ChainFixture.UserBalance,
        2 => 0,
        _ => (ulong)random.Next(1, 50_000),
    };
}
