using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Offers;
using Cerebrum.Tests.Market.Messages;

namespace Cerebrum.Tests.Market.Offers;

[TestFixture]
public sealed class OfferBookTests
{
    private static readonly DateTimeOffset Now = MarketMessages.Now;

    private static VerifiedOffer Offer(PrivateKey node, ulong sequence = 1, TimeSpan? lifetime = null, string name = "all-minilm-l6-v2")
    {
        var offer = MarketMessages.Offer(node, sequence);
        offer.ExpiresUnixMs = (Now + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeMilliseconds();
        offer.Models[0].Name = name;
        return new VerifiedOffer(node.PeerId, offer, []);
    }

    [Test]
    public void The_newest_offer_per_node_is_kept_until_it_expires()
    {
        using var node = PrivateKey.Generate(KeyType.Secp256k1);
        var book = new OfferBook();
        Assert.That(book.Add(Offer(node, 2), Now), Is.True);
        Assert.That(book.Add(Offer(node, 1), Now), Is.False, "an older sequence");
        Assert.That(book.Add(Offer(node, 2), Now), Is.False, "the same one again");
        Assert.That(book.Add(Offer(node, 3), Now), Is.True);
        Assert.That(book.Current(Now).Single().Offer.Sequence, Is.EqualTo(3));
        Assert.That(book.Current(Now + TimeSpan.FromMinutes(5)), Is.Empty);
        Assert.That(book.Get(node.PeerId, Now + TimeSpan.FromMinutes(5)), Is.Null);
        Assert.That(book.Add(Offer(node, 1, TimeSpan.FromMinutes(10)), Now + TimeSpan.FromMinutes(6)), Is.True, "after expiry a restarted node's lower sequence is taken");
    }

    [Test]
    public void Offers_are_found_by_model_name_or_hash()
    {
        using var a = PrivateKey.Generate(KeyType.Secp256k1);
        using var b = PrivateKey.Generate(KeyType.Secp256k1);
        var book = new OfferBook();
        book.Add(Offer(a, name: "minilm"), Now);
        book.Add(Offer(b, name: "other"), Now);
        Assert.That(book.Current(Now, "minilm").Single().Node, Is.EqualTo(a.PeerId));
        Assert.That(book.Current(Now, "sha256:" + new string('a', 64)), Has.Count.EqualTo(2));
        Assert.That(book.Current(Now, "nothing"), Is.Empty);
    }

    [Test]
    public void A_full_book_drops_the_offer_expiring_soonest_for_a_longer_lived_one_only()
    {
        var keys = Enumerable.Range(0, 4).Select(_ => PrivateKey.Generate(KeyType.Secp256k1)).ToList();
        var book = new OfferBook(capacity: 2);
        book.Add(Offer(keys[0], lifetime: TimeSpan.FromMinutes(2)), Now);
        book.Add(Offer(keys[1], lifetime: TimeSpan.FromMinutes(4)), Now);
        Assert.That(book.Add(Offer(keys[2], lifetime: TimeSpan.FromMinutes(1)), Now), Is.False, "it would outlive no one");
        Assert.That(book.Add(Offer(keys[3], lifetime: TimeSpan.FromMinutes(3)), Now), Is.True);
        Assert.That(book.Current(Now).Select(o => o.Node), Is.EquivalentTo(new[] { keys[1].PeerId, keys[3].PeerId }));
        keys.ForEach(k => k.Dispose());
    }

    // Issue 13, the status book's class elsewhere: fresh keys offering the longest validity filled a full book and kept
    // registered nodes' offers out. The ledger's standing now ranks first.
    [Test]
    public void A_book_full_of_fresh_keys_long_offers_still_takes_a_registered_nodes_offer()
    {
        var flood = Enumerable.Range(0, 3).Select(_ => PrivateKey.Generate(KeyType.Secp256k1)).ToList();
        using var registered = PrivateKey.Generate(KeyType.Secp256k1);
        using var active = PrivateKey.Generate(KeyType.Secp256k1);
        var book = new OfferBook(capacity: 3, node => node == active.PeerId ? 2 : node == registered.PeerId ? 1 : 0);
        foreach (var key in flood) Assert.That(book.Add(Offer(key, lifetime: TimeSpan.FromHours(1)), Now), Is.True);

        Assert.That(book.Add(Offer(registered, lifetime: TimeSpan.FromMinutes(1)), Now), Is.True);
        Assert.That(book.Add(Offer(active, lifetime: TimeSpan.FromMinutes(1)), Now), Is.True);
        using var another = PrivateKey.Generate(KeyType.Secp256k1);
        Assert.That(book.Add(Offer(another, lifetime: TimeSpan.FromHours(2)), Now), Is.True, "among unknown keys the longer-lived still wins");

        Assert.That(book.Current(Now).Select(o => o.Node), Is.EquivalentTo(new[] { registered.PeerId, active.PeerId, another.PeerId }));
        flood.ForEach(k => k.Dispose());
    }
}
