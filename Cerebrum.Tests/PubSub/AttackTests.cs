using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.PubSub;

/// <summary>
/// Misbehaving peers inside a simulated network of honest routers: each attacker must end up graylisted by every
/// honest neighbour while honest messages keep reaching every honest router.
/// </summary>
public sealed class AttackTests
{
    private const string Topic = "attack";

    private sealed record Setup(SimulatedNetwork Net, List<SimNode> Honest, List<SimNode> Attackers)
    {
        /// <summary>Lowest score each honest neighbour gave each attacker, sampled after every heartbeat.</summary>
        public Dictionary<(SimNode Victim, SimNode Attacker), double> MinScore { get; } = [];
        public int GraylistedSamples { get; set; }
        public int Samples { get; set; }
    }

    private static Setup Build(int seed, Func<PubSubMessage, ValidationResult>? validator = null)
    {
        var net = new SimulatedNetwork(seed);
        var honest = Enumerable.Range(0, 30).Select(_ => net.AddRouter(validator: validator)).ToList();
        net.ConnectRandomly(honest, degree: 4);
        var attackers = Enumerable.Range(0, 3).Select(_ => net.AddScripted()).ToList();
        foreach (var attacker in attackers)
            for (var i = 0; i < 10; i++)
                net.Connect(attacker, honest[(i * 3 + attackers.IndexOf(attacker)) % honest.Count]);
        foreach (var r in honest) net.Subscribe(r, Topic);
        foreach (var attacker in attackers)
            foreach (var victim in attacker.Links)
                net.Send(attacker, victim, SimulatedNetwork.SubscribeRpc(Topic));
        net.Flush();
        net.Heartbeat(2);
        return new Setup(net, honest, attackers);
    }

    /// <summary>Runs <paramref name="seconds"/> heartbeats with honest traffic and the attack; returns honest ids.</summary>
    private static List<MessageId> RunWithHonestTraffic(Setup s, int seconds, Action<SimNode, SimNode, int> attack)
    {
        var ids = new List<MessageId>();
        for (var second = 0; second < seconds; second++)
        {
            foreach (var attacker in s.Attackers)
                foreach (var victim in attacker.Links)
                    attack(attacker, victim, second);
            for (var i = 0; i < 5; i++)
            {
                var publisher = s.Honest[s.Net.Random.Next(s.Honest.Count)];
                ids.Add(s.Net.Publish(publisher, Topic, Encoding.UTF8.GetBytes($"honest {second}.{i}")).Id);
            }
            s.Net.Flush();
            s.Net.Heartbeat();
            foreach (var attacker in s.Attackers)
                foreach (var victim in attacker.Links)
                {
                    var score = victim.Core!.Score(attacker.Id);
                    s.MinScore[(victim, attacker)] = Math.Min(score, s.MinScore.GetValueOrDefault((victim, attacker)));
                    s.Samples++;
                    if (score < victim.Core.Thresholds.GraylistThreshold) s.GraylistedSamples++;
                }
        }
        s.Net.Heartbeat(3);
        return ids;
    }

    private static void AssertHonestDeliveryAndGraylisting(Setup s, List<MessageId> honestIds)
    {
        var complete = honestIds.Count(id => s.Honest.All(r => r.Core!.LocalPeer == PublisherOf(s, id) || r.Delivered.Any(d => d.Id == id)));
        TestContext.Out.WriteLine($"honest messages delivered everywhere: {complete}/{honestIds.Count}");
        Assert.That(complete, Is.EqualTo(honestIds.Count), "honest delivery stays at 100%");
        TestContext.Out.WriteLine($"attackers graylisted in {s.GraylistedSamples}/{s.Samples} (victim, attacker, second) samples; " +
                                  $"worst score {s.MinScore.Values.Min():F0}, mildest {s.MinScore.Values.Max():F0}");
        foreach (var attacker in s.Attackers)
            foreach (var victim in attacker.Links)
            {
                var core = victim.Core!;
                // Graylisting silences the attacker, so its penalties decay and it surfaces now and then only to be
                // graylisted again: the claim is that every neighbour graylisted it and never lets it back into the mesh.
                Assert.That(s.MinScore[(victim, attacker)], Is.LessThan(core.Thresholds.GraylistThreshold),
                    $"{attacker.Id} was graylisted by {victim.Id}");
                Assert.That(core.Score(attacker.Id), Is.LessThan(0));
                Assert.That(core.MeshPeers(Topic), Has.No.Member(attacker.Id));
            }
        Assert.That(s.Honest.Sum(r => r.Core!.Counters.GraylistedRpcs), Is.GreaterThan(0), "later attacker RPCs were dropped unread");
    }

    private static PeerId? PublisherOf(Setup s, MessageId id) =>
        s.Honest.FirstOrDefault(r => r.Core!.LocalPeer.Bytes.Span.SequenceEqual(id.Bytes.Span[..r.Core.LocalPeer.Bytes.Length]))?.Core!.LocalPeer;

    [Test]
    public void Forged_signatures_get_the_forger_graylisted()
    {
        var s = Build(seed: 11);
        var victimsKey = s.Honest[0].Key;
        ulong seqno = 1;
        var ids = RunWithHonestTraffic(s, 10, (attacker, victim, _) =>
        {
            // Claims to be honest router 0, signs with its own key.
            var forged = MessageSigning.Create(Topic, Encoding.UTF8.GetBytes("forged"), SignaturePolicy.StrictSign, attacker.Key, seqno++);
            forged.From = ByteString.CopyFrom(victimsKey.PeerId.Bytes.Span);
            s.Net.Send(attacker, victim, new RPC { Publish = { forged } });
        });
        Assert.That(s.Honest.Sum(r => r.Core!.Counters.InvalidSignatures), Is.GreaterThan(0));
        Assert.That(s.Honest.All(r => r.Delivered.All(d => d.Data.Span.SequenceEqual("forged"u8) == false)), Is.True);
        AssertHonestDeliveryAndGraylisting(s, ids);
    }

    [Test]
    public void IHave_spam_without_IWANT_answers_gets_the_spammer_graylisted()
    {
        var s = Build(seed: 12);
        var ids = RunWithHonestTraffic(s, 15, (attacker, victim, second) =>
        {
            for (var burst = 0; burst < 5; burst++)
            {
                var bogus = Enumerable.Range(0, 100).Select(i => Encoding.UTF8.GetBytes($"bogus {second} {burst} {i}"));
                s.Net.Send(attacker, victim, SimulatedNetwork.IHaveRpc(Topic, bogus));
            }
        });
        Assert.That(s.Honest.Sum(r => r.Core!.Counters.BrokenPromises), Is.GreaterThan(0));
        Assert.That(s.Attackers.All(a => a.Inbox.Any(i => i.Rpc.Control?.Iwant.Count > 0)), Is.True, "the spam was asked for");
        AssertHonestDeliveryAndGraylisting(s, ids);
    }

    [Test]
    public void Invalid_message_flooding_gets_the_flooder_graylisted()
    {
        var s = Build(seed: 13, validator: m => m.Data.Span.StartsWith("invalid"u8) ? ValidationResult.Reject : ValidationResult.Accept);
        ulong seqno = 1;
        var ids = RunWithHonestTraffic(s, 10, (attacker, victim, _) =>
        {
            var rpc = new RPC();
            for (var i = 0; i < 20; i++)
                rpc.Publish.Add(MessageSigning.Create(Topic, Encoding.UTF8.GetBytes($"invalid {seqno}"), SignaturePolicy.StrictSign, attacker.Key, seqno++));
            s.Net.Send(attacker, victim, rpc);
        });
        Assert.That(s.Honest.Sum(r => r.Core!.Counters.RejectedMessages), Is.GreaterThan(0));
        Assert.That(s.Honest.All(r => r.Delivered.All(d => !d.Data.Span.StartsWith("invalid"u8))), Is.True, "invalid messages are never delivered");
        AssertHonestDeliveryAndGraylisting(s, ids);
    }
}
