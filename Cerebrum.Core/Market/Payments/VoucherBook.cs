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
/// A node's incoming payments: per channel, the payer's best voucher and what the jobs served have consumed of it.
/// <see cref="Charge"/> decides a job's payment against the ledger's view of the channel and queues the new state for
/// <see cref="MarketStore"/>, whose write the node's answer waits for; <see cref="Refund"/> gives a failed job's price
/// back. Vouchers are cumulative, so the highest is all the node needs to keep and redeem.
/// </summary>
/// <remarks>
/// Rules: the requester must be the channel's payer and the channel must pay this node and not be closing. A voucher
/// must be well formed, signed by the payer for this chain and within the deposit. One with a higher nonce (and an
/// amount not below the best) becomes the best; one whose nonce does not increase is refused, but a job it came with
/// still runs when the credit left (best amount minus consumed) covers the price, since concurrent jobs' vouchers may
/// arrive out of order. Without enough credit the job is refused with the price named.
/// </remarks>
public sealed class VoucherBook : IDisposable
{
    public const string CollectionName = "payee_channels";

    private readonly MarketStore _store;
    private readonly ChainNode _chain;
    private readonly PeerId _self;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, PayeeChannel> _channels = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Loads what <paramref name="store"/> holds and follows <paramref name="chain"/>'s blocks.</summary>
    public VoucherBook(MarketStore store, ChainNode chain, PeerId self, TimeProvider time)
    {
        _store = store;
        _chain = chain;
        _self = self;
        _time = time;
        foreach (var document in store.ReadAll(CollectionName))
        {
            var channel = FromDocument(document);
            _channels[channel.Hex] = channel;
        }
        _chain.BlockCommitted += OnBlockCommitted;
    }

    public PaymentDecision Charge(PeerId requester, ReadOnlySpan<byte> channelId, Voucher? voucher, ulong price)
    {
        if (channelId.Length != PaymentIds.Length)
            return PaymentDecision.Refused(PaymentErrorCode.PaymentRequired, $"a job costs {price} micro-CER; name a channel (32 bytes) and send a voucher", price);
        var channel = _channels.GetOrAdd(Convert.ToHexStringLower(channelId), static (_, id) => new PayeeChannel(id), channelId.ToArray());
        BsonDocument document;
        lock (channel.Gate)
        {
            if (Check(channel, requester, voucher, price) is { } refused) return refused;
            channel.Consumed += price;
            if (channel.UnclaimedSince is null && channel.Best!.Amount > channel.Ledger!.Paid) channel.UnclaimedSince = _time.GetUtcNow();
            document = ToDocument(channel);
        }
        return PaymentDecision.Paid(new PaymentTicket(channel.Hex, price, _store.Write(CollectionName, channel.Hex, document)));
    }

    /// <summary>Gives a failed job's price back to its channel's credit (once per ticket).</summary>
    public void Refund(PaymentTicket ticket)
    {
        if (Interlocked.Exchange(ref ticket.Refunded, 1) != 0 || ticket.Price == 0 || !_channels.TryGetValue(ticket.ChannelId, out var channel)) return;
        BsonDocument document;
        lock (channel.Gate)
        {
            channel.Consumed = channel.Consumed >= ticket.Price ? channel.Consumed - ticket.Price : 0;
            document = ToDocument(channel);
        }
        _store.Queue(CollectionName, channel.Hex, document);
    }

    /// <summary>Every channel with a voucher, refreshed from the ledger.</summary>
    public IReadOnlyList<PayeeChannelView> Snapshot()
    {
        var views = new List<PayeeChannelView>();
        foreach (var channel in _channels.Values)
            lock (channel.Gate)
            {
                if (channel.Best is null) continue;
                Refresh(channel);
                views.Add(View(channel));
            }
        views.Sort((a, b) => string.CompareOrdinal(a.ChannelId, b.ChannelId));
        return views;
    }

    /// <summary>Records that a claim of <paramref name="amount"/> was sent, so the claim policy waits for it.</summary>
    public void MarkClaimSent(string channelId, ulong amount)
    {
        if (!_channels.TryGetValue(channelId, out var channel)) return;
        lock (channel.Gate) channel.PendingClaim = (amount, _time.GetUtcNow());
    }

    /// <summary>Forgets channels the ledger no longer has (settled): nothing in them can be claimed any more.</summary>
    public int Prune()
    {
        var removed = 0;
        foreach (var channel in _channels.Values)
        {
            lock (channel.Gate)
            {
                Refresh(channel);
                if (channel.Ledger is not null || channel.Best is null) continue;
                _channels.TryRemove(channel.Hex, out _);
            }
            _store.Queue(CollectionName, channel.Hex, null);
            removed++;
        }
        return removed;
    }

    public void Dispose() => _chain.BlockCommitted -= OnBlockCommitted;

    private PaymentDecision? Check(PayeeChannel channel, PeerId requester, Voucher? voucher, ulong price)
    {
        Refresh(channel);
        if (channel.Ledger is not { } ledger)
            return PaymentDecision.Refused(PaymentErrorCode.UnknownChannel, $"the ledger has no channel {channel.Hex} (not yet committed, or settled)", price);
        if (!ledger.Node.Span.SequenceEqual(_self.Bytes.Span))
            return PaymentDecision.Refused(PaymentErrorCode.WrongChannel, $"channel {channel.Hex} pays another node", price);
        if (!ledger.Payer.Span.SequenceEqual(requester.Bytes.Span))
            return PaymentDecision.Refused(PaymentErrorCode.WrongChannel, $"channel {channel.Hex} is not the requester's", price);
        if (ledger.SettleAtUnixMs != 0)
            return PaymentDecision.Refused(PaymentErrorCode.ChannelClosing, $"channel {channel.Hex} is closing", price);
        var staleVoucher = false;
        if (voucher is not null)
        {
            if (Vouchers.CheckShape(voucher) is { } malformed) return PaymentDecision.Refused(PaymentErrorCode.BadVoucher, "voucher: " + malformed, price);
            if (!voucher.ChannelId.Span.SequenceEqual(channel.Id))
                return PaymentDecision.Refused(PaymentErrorCode.BadVoucher, "the voucher is for another channel", price);
            if (channel.PayerKey is null || !Vouchers.Verify(_chain.ChainId, voucher, channel.PayerKey))
                return PaymentDecision.Refused(PaymentErrorCode.BadVoucher, "the voucher is not signed by the channel's payer for this chain", price);
            if (voucher.Amount > ledger.Deposit)
                return PaymentDecision.Refused(PaymentErrorCode.AboveDeposit, $"the voucher promises {voucher.Amount}, the deposit is {ledger.Deposit}", price, channel.Best);
            if (channel.Best is null || voucher.Nonce > channel.Best.Nonce)
            {
                if (channel.Best is { } best && voucher.Amount < best.Amount)
                    return PaymentDecision.Refused(PaymentErrorCode.StaleVoucher, $"the voucher's amount {voucher.Amount} is below the best one's {best.Amount}", price, best);
                channel.Best = voucher.Clone();
            }
            else
            {
                staleVoucher = true;
            }
        }
        var credit = channel.Best is { } held && held.Amount > channel.Consumed ? held.Amount - channel.Consumed : 0;
        if (credit >= price) return null;
        return staleVoucher
            ? PaymentDecision.Refused(PaymentErrorCode.StaleVoucher, $"voucher nonce {voucher!.Nonce} does not exceed the best one's {channel.Best!.Nonce}, and {credit} micro-CER of credit is left for a job of {price}", price, channel.Best)
            : PaymentDecision.Refused(PaymentErrorCode.PaymentRequired, $"a job costs {price} micro-CER; {credit} is left on channel {channel.Hex}", price, channel.Best);
    }

    /// <summary>Re-reads the channel and its payer's key from the ledger once per committed block.</summary>
    private void Refresh(PayeeChannel channel)
    {
        var generation = Interlocked.Read(ref _generation);
        if (channel.LedgerGeneration == generation) return;
        channel.Ledger = _chain.GetChannel(channel.Id);
        if (channel.Ledger is { } ledger && channel.PayerKey is null)
        {
            channel.Payer = PeerId.FromBytes(ledger.Payer.Span);
            var key = _chain.GetAccount(channel.Payer).PublicKey;
            channel.PayerKey = key.IsEmpty ? null : PublicKey.FromProtobuf(key.Span);
        }
        if (channel.Ledger is { } current && channel.Best is { } best && best.Amount <= current.Paid)
        {
            channel.UnclaimedSince = null;
            channel.PendingClaim = null;
        }
        channel.LedgerGeneration = generation;
    }

    private void OnBlockCommitted(object? sender, BlockCommittedEventArgs e) => Interlocked.Increment(ref _generation);

    private static PayeeChannelView View(PayeeChannel channel) =>
        new(channel.Hex, channel.Payer?.ToString(), channel.Best?.Clone(), channel.Consumed, channel.UnclaimedSince, channel.PendingClaim, channel.Ledger?.Clone());

    private static BsonDocument ToDocument(PayeeChannel channel) => new()
    {
        ["_id"] = channel.Hex,
        ["voucher"] = channel.Best is { } best ? new BsonValue(best.ToByteArray()) : BsonValue.Null,
        ["consumed"] = new BsonValue(checked((long)channel.Consumed)),
        ["unclaimedSince"] = channel.UnclaimedSince is { } since ? new BsonValue(since.ToUnixTimeMilliseconds()) : BsonValue.Null,
    };

    private static PayeeChannel FromDocument(BsonDocument document)
    {
        var channel = new PayeeChannel(Convert.FromHexString(document["_id"].AsString));
        if (document["voucher"].IsBinary) channel.Best = Voucher.Parser.ParseFrom(document["voucher"].AsBinary);
        channel.Consumed = (ulong)document["consumed"].AsInt64;
        if (document["unclaimedSince"].IsInt64) channel.UnclaimedSince = DateTimeOffset.FromUnixTimeMilliseconds(document["unclaimedSince"].AsInt64);
        return channel;
    }
}
