using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

[TestFixture]
public sealed class SharedStaticNoiseKeySourceTests
{
    [Test]
    public void Every_handshake_gets_the_same_static_key_and_a_fresh_ephemeral_one()
    {
        using var source = new SharedStaticNoiseKeySource();

        using var first = source.CreateStaticKey();
        using var second = source.CreateStaticKey();
        using var e1 = source.CreateEphemeralKey();
        using var e2 = source.CreateEphemeralKey();

        Assert.That(second.PublicKey.ToArray(), Is.EqualTo(first.PublicKey.ToArray()));
        Assert.That(e2.PublicKey.ToArray(), Is.Not.EqualTo(e1.PublicKey.ToArray()));
    }

    [Test]
    public void Disposing_a_borrowed_static_key_leaves_it_usable_for_the_next_handshake()
    {
        using var source = new SharedStaticNoiseKeySource();
        using var remote = NoiseKeyPair.Generate();
        var before = new byte[32];
        var after = new byte[32];

        using (var borrowed = source.CreateStaticKey())
            borrowed.Agree(remote.PublicKey.Span, before);
        using (var again = source.CreateStaticKey())
            again.Agree(remote.PublicKey.Span, after);

        Assert.That(after, Is.EqualTo(before));
        Assert.That(after, Is.Not.EqualTo(new byte[32]));
    }
}
