using Cerebrum.Core.Chain.Caching;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class ParsedCacheTests
{
    [Test]
    public void The_same_bytes_give_the_same_instance_and_other_bytes_another()
    {
        var cache = new ParsedCache<string>(8);
        var parses = 0;
        string Parse(ReadOnlySpan<byte> bytes)
        {
            parses++;
            return Convert.ToHexStringLower(bytes);
        }
        var first = cache.GetOrParse([1, 2, 3], Parse);
        Assert.That(cache.GetOrParse([1, 2, 3], Parse), Is.SameAs(first));
        Assert.That(cache.GetOrParse([1, 2, 4], Parse), Is.EqualTo("010204"));
        Assert.That(parses, Is.EqualTo(2));
    }

    [Test]
    public void A_failed_parse_is_not_cached_and_a_full_cache_starts_over()
    {
        var cache = new ParsedCache<string>(2);
        Assert.That(() => cache.GetOrParse([9], _ => throw new FormatException("bad")), Throws.TypeOf<FormatException>());
        Assert.That(cache.Count, Is.Zero);
        cache.GetOrParse([1], _ => "a");
        cache.GetOrParse([2], _ => "b");
        cache.GetOrParse([3], _ => "c");
        Assert.That(cache.Count, Is.EqualTo(1));
        Assert.That(cache.GetOrParse([3], _ => "other"), Is.EqualTo("c"));
    }

    [Test]
    public void Cached_sender_identities_and_peer_ids_match_parsing_afresh()
    {
        var key = PrivateKey.Generate(KeyType.Secp256k1);
        var other = PrivateKey.Generate(KeyType.Secp256k1);
        var first = TransactionCodec.SenderPeerId(key.PublicKey.ToProtobuf());
        Assert.That(first, Is.EqualTo(key.PeerId));
        Assert.That(TransactionCodec.SenderPeerId(key.PublicKey.ToProtobuf()), Is.SameAs(first));
        Assert.That(TransactionCodec.SenderPeerId(other.PublicKey.ToProtobuf()), Is.EqualTo(other.PeerId));
        Assert.That(() => TransactionCodec.SenderPeerId([0x08, 0x02, 0x12, 0x01, 0x00]), Throws.InstanceOf<FormatException>());
        Assert.That(PeerIdCache.FromBytes(key.PeerId.Bytes.Span), Is.EqualTo(key.PeerId));
        Assert.That(PeerIdCache.FromBytes(key.PeerId.Bytes.Span).ToString(), Is.EqualTo(key.PeerId.ToString()));
    }
}
