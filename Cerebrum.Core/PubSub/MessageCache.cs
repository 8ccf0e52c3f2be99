using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub.Proto;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// The gossipsub message cache (mcache): recent messages in heartbeat-sized windows, answering IWANTs from the
/// last <c>mcache_len</c> windows and advertising the last <c>mcache_gossip</c> windows in IHAVEs.
/// </summary>
public sealed class MessageCache
{
    private readonly int _gossipWindows;
    private readonly List<List<(MessageId Id, string Topic)>> _windows;
    private readonly Dictionary<MessageId, Message> _messages = [];
    private readonly Dictionary<MessageId, Dictionary<PeerId, int>> _transmissions = [];

    public MessageCache(int historyLength, int gossipWindows)
    {
        _gossipWindows = gossipWindows;
        _windows = new List<List<(MessageId, string)>>(historyLength);
        for (var i = 0; i < historyLength; i++) _windows.Add([]);
    }

    public int Count => _messages.Count;

    public void Put(MessageId id, Message message)
    {
        if (!_messages.TryAdd(id, message)) return;
        _windows[0].Add((id, message.Topic));
    }

    public bool TryGet(MessageId id, out Message message) => _messages.TryGetValue(id, out message!);

    /// <summary>Gets a message for an IWANT from <paramref name="peer"/> and counts that retransmission.</summary>
    public bool TryGetForPeer(MessageId id, PeerId peer, out Message message, out int transmissions)
    {
        transmissions = 0;
        if (!_messages.TryGetValue(id, out message!)) return false;
        if (!_transmissions.TryGetValue(id, out var perPeer))
            _transmissions[id] = perPeer = [];
        transmissions = perPeer[peer] = perPeer.GetValueOrDefault(peer) + 1;
        return true;
    }

    /// <summary>Ids of <paramref name="topic"/> in the gossip windows, newest first.</summary>
    public List<MessageId> GetGossipIds(string topic)
    {
        var ids = new List<MessageId>();
        for (var i = 0; i < _gossipWindows; i++)
            foreach (var (id, t) in _windows[i])
                if (t == topic) ids.Add(id);
        return ids;
    }

    /// <summary>Starts a new window at the heartbeat, dropping the oldest.</summary>
    public void Shift()
    {
        var oldest = _windows[^1];
        foreach (var (id, _) in oldest)
        {
            _messages.Remove(id);
            _transmissions.Remove(id);
        }
        _windows.RemoveAt(_windows.Count - 1);
        oldest.Clear();
        _windows.Insert(0, oldest);
    }
}
