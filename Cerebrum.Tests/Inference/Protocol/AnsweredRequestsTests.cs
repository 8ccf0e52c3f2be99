using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Inference.Protocol;

[TestFixture]
public sealed class AnsweredRequestsTests
{
    private static readonly PrivateKey Alice = PrivateKey.Generate(KeyType.Secp256k1);
    private static readonly PrivateKey Bob = PrivateKey.Generate(KeyType.Secp256k1);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Alice.Dispose();
        Bob.Dispose();
    }

    [Test]
    public async Task A_request_sent_again_gets_the_first_answer_and_one_sent_meanwhile_waits_for_it()
    {
        var answers = new AnsweredRequests(1 << 20, TimeSpan.FromMinutes(10), _time);
        Assert.That(answers.Begin(Alice.PeerId, [1, 2]), Is.Null, "new: run it");
        var waiting = answers.Begin(Alice.PeerId, [1, 2]);
        Assert.That(waiting!.IsCompleted, Is.False);
        Assert.That(answers.Begin(Bob.PeerId, [1, 2]), Is.Null, "keys are per requester");
        answers.Complete(Alice.PeerId, [1, 2], [42]);
        Assert.That(await waiting, Is.EqualTo(new byte[] { 42 }));
        Assert.That(await answers.Begin(Alice.PeerId, [1, 2])!, Is.EqualTo(new byte[] { 42 }));
    }

    [Test]
    public async Task A_failed_run_is_forgotten_so_it_may_run_again()
    {
        var answers = new AnsweredRequests(1 << 20, TimeSpan.FromMinutes(10), _time);
        Assert.That(answers.Begin(Alice.PeerId, [7]), Is.Null);
        var waiting = answers.Begin(Alice.PeerId, [7])!;
        answers.Abandon(Alice.PeerId, [7]);
        Assert.That(await waiting, Is.Null);
        Assert.That(answers.Begin(Alice.PeerId, [7]), Is.Null);
    }

    [Test]
    public void Answers_expire_and_the_oldest_go_first_when_over_the_byte_bound()
    {
        var answers = new AnsweredRequests(100, TimeSpan.FromMinutes(10), _time);
        for (byte i = 0; i < 5; i++)
        {
            Assert.That(answers.Begin(Alice.PeerId, [i]), Is.Null);
            answers.Complete(Alice.PeerId, [i], new byte[40]);
        }
        Assert.That(answers.Bytes, Is.LessThanOrEqualTo(100));
        Assert.That(answers.Begin(Alice.PeerId, [4]), Is.Not.Null, "the newest stays");
        Assert.That(answers.Begin(Alice.PeerId, [0]), Is.Null, "the oldest went");
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.That(answers.Begin(Alice.PeerId, [4]), Is.Null, "expired");
    }
}
