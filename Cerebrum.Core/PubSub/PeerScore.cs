using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// Peer scoring of gossipsub v1.1 (P₁–P₇, decay, retention after disconnection). Fed events by the router core;
/// time is passed in explicitly so it runs under a fake clock.
/// </summary>
public sealed class PeerScore
{
    private enum DeliveryStatus { Pending, Valid, Invalid, Ignored }

    private sealed class DeliveryRecord
    {
        public DeliveryStatus Status;
        public TimeSpan FirstSeen;
        public TimeSpan Validated;
        public readonly HashSet<PeerId> Peers = [];
    }

    private sealed class TopicStats
    {
        public bool InMesh;
        public TimeSpan GraftTime;
        public TimeSpan MeshTime;
        public double FirstMessageDeliveries;
        public double MeshMessageDeliveries;
        public bool MeshMessageDeliveriesActive;
        public double MeshFailurePenalty;
        public double InvalidMessageDeliveries;
    }

    private sealed class PeerStats
    {
        public bool Connected;
        public TimeSpan Expire;
        public string? Ip;
        public double BehaviourPenalty;
        public readonly Dictionary<string, TopicStats> Topics = [];
    }

    private readonly PeerScoreParams _params;
    private readonly Dictionary<PeerId, PeerStats> _peers = [];
    private readonly Dictionary<string, HashSet<PeerId>> _peersByIp = [];
    private readonly Dictionary<MessageId, DeliveryRecord> _deliveries = [];
    private readonly Queue<(MessageId Id, TimeSpan Expiry)> _deliveryExpiry = new();
    private readonly TimeSpan _deliveryRecordTtl;

    public PeerScore(PeerScoreParams parameters, TimeSpan deliveryRecordTtl)
    {
        parameters.Validate();
        _params = parameters;
        _deliveryRecordTtl = deliveryRecordTtl;
    }

    public PeerScoreParams Params => _params;

    public void AddPeer(PeerId peer, string? ip)
    {
        if (!_peers.TryGetValue(peer, out var stats))
            _peers[peer] = stats = new PeerStats();
        stats.Connected = true;
        if (ip is not null && stats.Ip != ip)
        {
            RemoveIp(peer, stats);
            stats.Ip = ip;
            if (!_peersByIp.TryGetValue(ip, out var set)) _peersByIp[ip] = set = [];
            set.Add(peer);
        }
    }

    public void RemovePeer(PeerId peer, TimeSpan now)
    {
        if (!_peers.TryGetValue(peer, out var stats)) return;
        // A positive score is worth nothing to an attacker who reconnects, so only non-positive scores are retained.
        if (Score(peer, now) > 0)
        {
            RemoveIp(peer, stats);
            _peers.Remove(peer);
            return;
        }
        foreach (var (topic, ts) in stats.Topics)
        {
            var tp = _params.ForTopic(topic);
            if (ts.InMesh && tp is not null) ApplyMeshFailurePenalty(ts, tp);
            ts.InMesh = false;
            ts.MeshMessageDeliveriesActive = false;
        }
        stats.Connected = false;
        stats.Expire = now + _params.RetainScore;
    }

    public void Graft(PeerId peer, string topic, TimeSpan now)
    {
        if (!TryGetTopicStats(peer, topic, out var ts, out _)) return;
        ts.InMesh = true;
        ts.GraftTime = now;
        ts.MeshTime = TimeSpan.Zero;
        ts.MeshMessageDeliveriesActive = false;
    }

    public void Prune(PeerId peer, string topic)
    {
        if (!TryGetTopicStats(peer, topic, out var ts, out var tp)) return;
        if (ts.InMesh) ApplyMeshFailurePenalty(ts, tp);
        ts.InMesh = false;
        ts.MeshMessageDeliveriesActive = false;
    }

    /// <summary>A message was seen for the first time and is being validated.</summary>
    public void ValidateMessage(MessageId id, TimeSpan now)
    {
        if (_deliveries.ContainsKey(id)) return;
        _deliveries[id] = new DeliveryRecord { FirstSeen = now };
        _deliveryExpiry.Enqueue((id, now + _deliveryRecordTtl));
    }

    /// <summary>A message <paramref name="from"/> first delivered passed validation.</summary>
    public void DeliverMessage(PeerId from, MessageId id, string topic, TimeSpan now)
    {
        MarkFirstMessageDelivery(from, topic);
        var record = GetOrCreateRecord(id, now);
        if (record.Status != DeliveryStatus.Pending) return;
        record.Status = DeliveryStatus.Valid;
        record.Validated = now;
        // Peers that sent it while it was being validated delivered near-first.
        foreach (var peer in record.Peers)
            if (peer != from) MarkDuplicateMessageDelivery(peer, topic);
    }

    public void RejectMessage(PeerId from, MessageId id, string topic, RejectReason reason, TimeSpan now)
    {
        switch (reason)
        {
            case RejectReason.InvalidSignature:
                MarkInvalidMessageDelivery(from, topic);
                return;
            case RejectReason.Throttled:
                // Not our sender's fault: forget the record so later copies are judged afresh.
                _deliveries.Remove(id);
                return;
        }
        var record = GetOrCreateRecord(id, now);
        if (record.Status != DeliveryStatus.Pending) return;
        if (reason == RejectReason.Ignored)
        {
            record.Status = DeliveryStatus.Ignored;
            record.Peers.Clear();
            return;
        }
        record.Status = DeliveryStatus.Invalid;
        MarkInvalidMessageDelivery(from, topic);
        foreach (var peer in record.Peers)
            if (peer != from) MarkInvalidMessageDelivery(peer, topic);
        record.Peers.Clear();
    }

    /// <summary>A copy of a message already seen arrived from <paramref name="from"/>.</summary>
    public void DuplicateMessage(PeerId from, MessageId id, string topic, TimeSpan now)
    {
        if (!_deliveries.TryGetValue(id, out var record)) return;
        if (!record.Peers.Add(from)) return;
        switch (record.Status)
        {
            case DeliveryStatus.Valid:
                var tp = _params.ForTopic(topic);
                if (tp is not null && now - record.Validated <= tp.MeshMessageDeliveryWindow)
                    MarkDuplicateMessageDelivery(from, topic);
                break;
            case DeliveryStatus.Invalid:
                MarkInvalidMessageDelivery(from, topic);
                break;
        }
    }

    /// <summary>P₇ behaviour penalty, e.g. a broken IWANT promise or a GRAFT during backoff.</summary>
    public void AddPenalty(PeerId peer, int count)
    {
        if (_peers.TryGetValue(peer, out var stats)) stats.BehaviourPenalty += count;
    }

    public double Score(PeerId peer, TimeSpan now)
    {
        if (!_peers.TryGetValue(peer, out var stats)) return 0;
        double score = 0;
        foreach (var (topic, ts) in stats.Topics)
        {
            var tp = _params.ForTopic(topic);
            if (tp is null) continue;
            double topicScore = 0;
            if (ts.InMesh)
            {
                var meshTime = now - ts.GraftTime;
                var p1 = Math.Min(meshTime / tp.TimeInMeshQuantum, tp.TimeInMeshCap);
                topicScore += p1 * tp.TimeInMeshWeight;
            }
            topicScore += ts.FirstMessageDeliveries * tp.FirstMessageDeliveriesWeight;
            if (ts.MeshMessageDeliveriesActive && ts.MeshMessageDeliveries < tp.MeshMessageDeliveriesThreshold)
            {
                var deficit = tp.MeshMessageDeliveriesThreshold - ts.MeshMessageDeliveries;
                topicScore += deficit * deficit * tp.MeshMessageDeliveriesWeight;
            }
            topicScore += ts.MeshFailurePenalty * tp.MeshFailurePenaltyWeight;
            topicScore += ts.InvalidMessageDeliveries * ts.InvalidMessageDeliveries * tp.InvalidMessageDeliveriesWeight;
            score += topicScore * tp.TopicWeight;
        }
        if (_params.TopicScoreCap > 0 && score > _params.TopicScoreCap)
            score = _params.TopicScoreCap;

        if (_params.AppSpecificScore is { } app)
            score += app(peer) * _params.AppSpecificWeight;

        if (_params.IPColocationFactorWeight != 0 && stats.Ip is { } ip
            && !_params.IPColocationFactorWhitelist.Contains(ip)
            && _peersByIp.TryGetValue(ip, out var colocated))
        {
            var surplus = colocated.Count - _params.IPColocationFactorThreshold;
            if (surplus > 0) score += (double)surplus * surplus * _params.IPColocationFactorWeight;
        }

        if (stats.BehaviourPenalty > _params.BehaviourPenaltyThreshold)
        {
            var excess = stats.BehaviourPenalty - _params.BehaviourPenaltyThreshold;
            score += excess * excess * _params.BehaviourPenaltyWeight;
        }
        return score;
    }

    /// <summary>Decays counters, refreshes mesh times and forgets expired peers; called every decay interval.</summary>
    public void Decay(TimeSpan now)
    {
        var zero = _params.DecayToZero;
        List<PeerId>? expired = null;
        foreach (var (peer, stats) in _peers)
        {
            if (!stats.Connected && stats.Expire <= now)
            {
                (expired ??= []).Add(peer);
                continue;
            }
            foreach (var (topic, ts) in stats.Topics)
            {
                var tp = _params.ForTopic(topic);
                if (tp is null) continue;
                ts.FirstMessageDeliveries = DecayValue(ts.FirstMessageDeliveries, tp.FirstMessageDeliveriesDecay, zero);
                ts.MeshMessageDeliveries = DecayValue(ts.MeshMessageDeliveries, tp.MeshMessageDeliveriesDecay, zero);
                ts.MeshFailurePenalty = DecayValue(ts.MeshFailurePenalty, tp.MeshFailurePenaltyDecay, zero);
                ts.InvalidMessageDeliveries = DecayValue(ts.InvalidMessageDeliveries, tp.InvalidMessageDeliveriesDecay, zero);
                if (ts.InMesh)
                {
                    ts.MeshTime = now - ts.GraftTime;
                    if (ts.MeshTime > tp.MeshMessageDeliveriesActivation) ts.MeshMessageDeliveriesActive = true;
                }
            }
            stats.BehaviourPenalty = DecayValue(stats.BehaviourPenalty, _params.BehaviourPenaltyDecay, zero);
        }
        if (expired is not null)
            foreach (var peer in expired)
            {
                RemoveIp(peer, _peers[peer]);
                _peers.Remove(peer);
            }

        while (_deliveryExpiry.TryPeek(out var head) && head.Expiry <= now)
        {
            _deliveryExpiry.Dequeue();
            _deliveries.Remove(head.Id);
        }
    }

    private static double DecayValue(double value, double decay, double zero)
    {
        value *= decay;
        return value < zero ? 0 : value;
    }

    private DeliveryRecord GetOrCreateRecord(MessageId id, TimeSpan now)
    {
        if (!_deliveries.TryGetValue(id, out var record))
        {
            _deliveries[id] = record = new DeliveryRecord { FirstSeen = now };
            _deliveryExpiry.Enqueue((id, now + _deliveryRecordTtl));
        }
        return record;
    }

    private bool TryGetTopicStats(PeerId peer, string topic, out TopicStats stats, out TopicScoreParams tp)
    {
        stats = null!;
        tp = _params.ForTopic(topic)!;
        if (tp is null || !_peers.TryGetValue(peer, out var ps)) return false;
        if (!ps.Topics.TryGetValue(topic, out stats!))
            ps.Topics[topic] = stats = new TopicStats();
        return true;
    }

    private void MarkFirstMessageDelivery(PeerId peer, string topic)
    {
        if (!TryGetTopicStats(peer, topic, out var ts, out var tp)) return;
        ts.FirstMessageDeliveries = Math.Min(ts.FirstMessageDeliveries + 1, tp.FirstMessageDeliveriesCap);
        if (ts.InMesh)
            ts.MeshMessageDeliveries = Math.Min(ts.MeshMessageDeliveries + 1, tp.MeshMessageDeliveriesCap);
    }

    private void MarkDuplicateMessageDelivery(PeerId peer, string topic)
    {
        if (!TryGetTopicStats(peer, topic, out var ts, out var tp) || !ts.InMesh) return;
        ts.MeshMessageDeliveries = Math.Min(ts.MeshMessageDeliveries + 1, tp.MeshMessageDeliveriesCap);
    }

    private void MarkInvalidMessageDelivery(PeerId peer, string topic)
    {
        if (TryGetTopicStats(peer, topic, out var ts, out _)) ts.InvalidMessageDeliveries += 1;
    }

    private static void ApplyMeshFailurePenalty(TopicStats ts, TopicScoreParams tp)
    {
        if (ts.MeshMessageDeliveriesActive && ts.MeshMessageDeliveries < tp.MeshMessageDeliveriesThreshold)
        {
            var deficit = tp.MeshMessageDeliveriesThreshold - ts.MeshMessageDeliveries;
            ts.MeshFailurePenalty += deficit * deficit;
        }
    }

    private void RemoveIp(PeerId peer, PeerStats stats)
    {
        if (stats.Ip is null || !_peersByIp.TryGetValue(stats.Ip, out var set)) return;
        set.Remove(peer);
        if (set.Count == 0) _peersByIp.Remove(stats.Ip);
    }
}
