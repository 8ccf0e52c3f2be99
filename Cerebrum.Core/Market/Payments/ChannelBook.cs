using System.Collections.Concurrent;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Storage;
using Google.Protobuf;
using LiteDB;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// A payer's outgoing channels: for each job it signs a cumulative voucher for what its jobs on the channel have spent
/// plus the price (plus an optional credit window, so one signature can cover several jobs), never above the deposit.
/// A job the node did not charge (it answered an error) is given back with <see cref="Refund"/>. The state is deferred to
/// <see cref="MarketStore"/> (written with its next write, within a second), or written at once with a grant key; should
/// it be lost in a crash, <see cref="Resync"/> adopts the best voucher the node reports, which the payer itself signed,
/// so the payer never signs a lower total or reuses a nonce with effect. A lost state is always behind (totals only
/// grow), so it can make the payer promise less than it owes, which the node refuses, never more.
/// </summary>
public sealed class ChannelBook : IDisposable
{
    public const string CollectionName = "payer_channels";

    /// <summary>Grants recorded under a caller's key (a batch job's request key), so a resend after a crash re-presents them instead of paying again.</summary>
    public const string GrantsCollection = "payer_grants";

    private readonly MarketStore _store;
    private readonly ChainNode _chain;
    private readonly PrivateKey _payer;
    private readonly ulong _creditWindow;
    private readonly ConcurrentDictionary<string, PayerChannel> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PaymentGrant> _grants = new(StringComparer.Ordinal);
    private long _generation;
    private long _discoveredAt = -1;

    /// <param name="creditWindow">How much beyond the job's price a voucher may promise (pre-paid credit), in micro-CER.</param>
    public ChannelBook(MarketStore store, ChainNode chain, PrivateKey payer, ulong creditWindow = 0)
    {
        _store = store;
        _chain = chain;
        _payer = payer;
        _creditWindow = creditWindow;
        foreach (var document in store.ReadAll(CollectionName))
        {
            var channel = new PayerChannel(Convert.FromHexString(document["_id"].AsString), PeerId.FromBytes(document["node"].AsBinary))
            {
                Signed = (ulong)document["signed"].AsInt64,
                Nonce = (ulong)document["nonce"].AsInt64,
                Spent = (ulong)document["spent"].AsInt64,
            };
            _channels[channel.Hex] = channel;
        }
        foreach (var document in store.ReadAll(GrantsCollection))
        {
            _grants[document["_id"].AsString] = new PaymentGrant(Convert.FromHexString(document["channel"].AsString),
                document["voucher"].IsBinary ? Voucher.Parser.ParseFrom(document["voucher"].AsBinary) : null, (ulong)document["price"].AsInt64, Task.CompletedTask);
        }
        _chain.BlockCommitted += OnBlockCommitted;
    }

    public PeerId Payer => _payer.PeerId;

    /// <summary>
    /// Pays <paramref name="price"/> to <paramref name="node"/> from the open channel with the most room: a grant to send
    /// with the job, or the funding it needs first. With <paramref name="grantKey"/>, the grant is recorded under it in the
    /// same write as the channel's new state (see <see cref="Recorded"/>).
    /// </summary>
    public (PaymentGrant? Grant, FundingNeed? Need) Pay(PeerId node, ulong price, ReadOnlySpan<byte> lastReceiptHash = default, string? grantKey = null)
    {
        var candidates = OpenChannels(node);
        if (candidates.Count == 0) return (null, new FundingNeed(null, price));
        PayerChannel? shortest = null;
        foreach (var channel in candidates.OrderByDescending(Room))
        {
            BsonDocument document;
            Voucher? voucher = null;
            lock (channel.Gate)
            {
                var deposit = channel.Ledger!.Deposit;
                if (price > deposit || channel.Spent > deposit - price)
                {
                    shortest ??= channel;
                    continue;
                }
                var need = channel.Spent + price;
                if (channel.Signed < need || channel.Nonce == 0 || channel.Resend)
                {
                    var amount = Math.Min(deposit, need + Math.Min(_creditWindow, deposit - need));
                    channel.Nonce++;
                    channel.Signed = Math.Max(channel.Signed, amount);
                    channel.Resend = false;
                    voucher = Vouchers.Sign(_payer, _chain.ChainId, channel.Id, channel.Signed, channel.Nonce, lastReceiptHash);
                }
                channel.Spent = need;
                document = ToDocument(channel);
            }
            // Without a grant key the new state rides the store's next write: should a crash lose it, this book only
            // remembers less than it signed, and the node's best voucher (our own signature) resynchronises it.
            if (grantKey is null) return (new PaymentGrant(channel.Id, voucher, price, _store.Defer(CollectionName, channel.Hex, document)), null);
            var durable = _store.WriteAll([(CollectionName, channel.Hex, document), (GrantsCollection, grantKey, GrantDocument(grantKey, channel.Hex, voucher, price))]);
            var grant = new PaymentGrant(channel.Id, voucher, price, durable);
            _grants[grantKey] = grant;
            return (grant, null);
        }
        lock (shortest!.Gate)
        {
            var shortfall = (UInt128)shortest.Spent + price - shortest.Ledger!.Deposit;
            return (null, new FundingNeed(shortest.Hex, shortfall > ulong.MaxValue ? ulong.MaxValue : (ulong)shortfall));
        }
    }

    /// <summary>Gives back a job's price the node did not charge (it answered with an error before running it), and forgets its record under <paramref name="grantKey"/> in the same write.</summary>
    public void Refund(PaymentGrant grant, string? grantKey = null)
    {
        if (!_channels.TryGetValue(grant.ChannelHex, out var channel)) return;
        BsonDocument document;
        lock (channel.Gate)
        {
            channel.Spent = channel.Spent >= grant.Price ? channel.Spent - grant.Price : 0;
            document = ToDocument(channel);
        }
        if (grantKey is null)
        {
            _store.Queue(CollectionName, channel.Hex, document);
            return;
        }
        _grants.TryRemove(grantKey, out _);
        _store.WriteAll([(CollectionName, channel.Hex, document), (GrantsCollection, grantKey, null)]);
    }

    /// <summary>
    /// The grant recorded under <paramref name="grantKey"/> by <see cref="Pay"/> before a crash: sent again as it was (its
    /// voucher, or the credit it relied on), so a job resent after a restart is not paid twice; null when there is none.
    /// </summary>
    public PaymentGrant? Recorded(string grantKey) => _grants.TryGetValue(grantKey, out var grant) ? grant : null;

    /// <summary>Forgets the grant recorded under <paramref name="grantKey"/> (its job's outcome is recorded; it will not be resent).</summary>
    public void Forget(string grantKey)
    {
        if (_grants.TryRemove(grantKey, out _)) _store.Queue(GrantsCollection, grantKey, null);
    }

    /// <summary>Grants recorded and not yet forgotten.</summary>
    public int RecordedCount => _grants.Count;

    /// <summary>
    /// After a job the node refused before it took the job's voucher (its ledger did not know the channel yet): the next
    /// payment on the channel signs a voucher again, since the node never kept the last one.
    /// </summary>
    public void ResendNext(PaymentGrant grant)
    {
        if (!_channels.TryGetValue(grant.ChannelHex, out var channel)) return;
        lock (channel.Gate) channel.Resend = true;
    }

    /// <summary>
    /// Adopts the node's best voucher for one of this payer's channels (sent with a stale-voucher or payment error) when
    /// it is the payer's own signature and ahead of what the payer remembers: the payer then counts it all as spent. When
    /// it is behind (the node refused a job before it took that job's voucher, e.g. an unknown model or a full budget),
    /// the next payment signs the payer's total again under a new nonce. Returns false for a voucher the payer did not sign.
    /// </summary>
    public bool Resync(Voucher nodeBest)
    {
        if (!_channels.TryGetValue(Convert.ToHexStringLower(nodeBest.ChannelId.Span), out var channel)) return false;
        if (!Vouchers.Verify(_chain.ChainId, nodeBest, _payer.PublicKey)) return false;
        BsonDocument document;
        lock (channel.Gate)
        {
            if (nodeBest.Nonce < channel.Nonce) channel.Resend = true;
            channel.Nonce = Math.Max(channel.Nonce, nodeBest.Nonce);
            channel.Signed = Math.Max(channel.Signed, nodeBest.Amount);
            channel.Spent = Math.Max(channel.Spent, nodeBest.Amount);
            document = ToDocument(channel);
        }
        _store.Queue(CollectionName, channel.Hex, document);
        return true;
    }

    /// <summary>Every channel this payer has on the ledger or in its book, refreshed from the ledger.</summary>
    public IReadOnlyList<PayerChannelView> Snapshot()
    {
        Discover();
        var views = new List<PayerChannelView>();
        foreach (var channel in _channels.Values)
            lock (channel.Gate)
            {
                Refresh(channel);
                views.Add(new PayerChannelView(channel.Hex, channel.Node.ToString(), channel.Signed, channel.Nonce, channel.Spent, channel.Ledger?.Clone()));
            }
        views.Sort((a, b) => string.CompareOrdinal(a.ChannelId, b.ChannelId));
        return views;
    }

    public void Dispose() => _chain.BlockCommitted -= OnBlockCommitted;

    private List<PayerChannel> OpenChannels(PeerId node)
    {
        var open = new List<PayerChannel>();
        foreach (var channel in Channels(node))
            lock (channel.Gate)
            {
                Refresh(channel);
                if (channel.Ledger is { SettleAtUnixMs: 0 }) open.Add(channel);
            }
        return open;
    }

    private IEnumerable<PayerChannel> Channels(PeerId node)
    {
        var known = _channels.Values.Where(c => c.Node == node).ToList();
        if (known.Count > 0 && Interlocked.Read(ref _generation) == _discoveredAt) return known;
        Discover();
        return _channels.Values.Where(c => c.Node == node);
    }

    /// <summary>Adds the ledger's channels of this payer that the book does not know yet (opened by the CLI, or before a lost book).</summary>
    private void Discover()
    {
        var generation = Interlocked.Read(ref _generation);
        foreach (var (hex, state) in _chain.ListChannels(_payer.PeerId))
        {
            if (!state.Payer.Span.SequenceEqual(_payer.PeerId.Bytes.Span)) continue;
            _channels.GetOrAdd(hex, static (key, s) => new PayerChannel(Convert.FromHexString(key), PeerId.FromBytes(s.Node.Span)) { Signed = s.Paid, Spent = s.Paid, Nonce = s.Nonce }, state);
        }
        Interlocked.Exchange(ref _discoveredAt, generation);
    }

    private ulong Room(PayerChannel channel)
    {
        lock (channel.Gate) return channel.Ledger is { } ledger && ledger.Deposit > channel.Spent ? ledger.Deposit - channel.Spent : 0;
    }

    private void Refresh(PayerChannel channel)
    {
        var generation = Interlocked.Read(ref _generation);
        if (channel.LedgerGeneration == generation) return;
        channel.Ledger = _chain.GetChannel(channel.Id);
        // Whatever the ledger has paid was signed by this payer: never sign below it.
        if (channel.Ledger is { } ledger && ledger.Paid > channel.Signed)
        {
            channel.Signed = ledger.Paid;
            channel.Nonce = Math.Max(channel.Nonce, ledger.Nonce);
            channel.Spent = Math.Max(channel.Spent, ledger.Paid);
        }
        channel.LedgerGeneration = generation;
    }

    private void OnBlockCommitted(object? sender, BlockCommittedEventArgs e) => Interlocked.Increment(ref _generation);

    private static BsonDocument GrantDocument(string grantKey, string channelHex, Voucher? voucher, ulong price) => new()
    {
        ["_id"] = grantKey,
        ["channel"] = channelHex,
        ["voucher"] = voucher is null ? BsonValue.Null : new BsonValue(voucher.ToByteArray()),
        ["price"] = new BsonValue(checked((long)price)),
    };

    private static BsonDocument ToDocument(PayerChannel channel) => new()
    {
        ["_id"] = channel.Hex,
        ["node"] = new BsonValue(channel.Node.Bytes.ToArray()),
        ["signed"] = new BsonValue(checked((long)channel.Signed)),
        ["nonce"] = new BsonValue(checked((long)channel.Nonce)),
        ["spent"] = new BsonValue(checked((long)channel.Spent)),
    };
}
