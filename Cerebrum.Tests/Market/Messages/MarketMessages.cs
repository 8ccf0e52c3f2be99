using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network.Multiaddr;
using Google.Protobuf;

namespace Cerebrum.Tests.Market.Messages;

/// <summary>Valid market messages for tests, signed by the given keys.</summary>
internal static class MarketMessages
{
    public const string ChainId = "cerebrum-test";
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static Offer Offer(PrivateKey node, ulong sequence = 1, ulong price = 100) => new()
    {
        ChainId = ChainId,
        Node = ByteString.CopyFrom(node.PeerId.Bytes.Span),
        Sequence = sequence,
        IssuedUnixMs = Now.ToUnixTimeMilliseconds(),
        ExpiresUnixMs = (Now + TimeSpan.FromMinutes(5)).ToUnixTimeMilliseconds(),
        Models = { new OfferedModel { Hash = "sha256:" + new string('a', 64), Name = "all-minilm-l6-v2", PricePerRequest = price, Task = "text-embedding" } },
        Lease = new LeasePrice { PricePerHour = 5_000, MinHours = 1, MaxHours = 24 },
        Hardware = "CPU 8 cores, 32 GiB",
        Region = "eu-west",
        FreeSlots = 4,
        Addresses = { ByteString.CopyFrom(Multiaddress.Parse("/ip4/127.0.0.1/tcp/4001").ToBytes()) },
    };

    public static JobRequest JobRequest(PrivateKey requester) => new()
    {
        ChainId = ChainId,
        Requester = ByteString.CopyFrom(requester.PeerId.Bytes.Span),
        RequestId = ByteString.CopyFrom(new byte[MarketMessageValidator.RequestIdLength]),
        Model = "all-minilm-l6-v2",
        Inputs = 10_000,
        MaxPricePerRequest = 150,
        IssuedUnixMs = Now.ToUnixTimeMilliseconds(),
        DeadlineUnixMs = (Now + TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds(),
    };

    public static Quote Quote(PrivateKey node, ulong price = 100) => new()
    {
        ChainId = ChainId,
        Node = ByteString.CopyFrom(node.PeerId.Bytes.Span),
        RequestId = ByteString.CopyFrom(new byte[MarketMessageValidator.RequestIdLength]),
        ModelHash = "sha256:" + new string('a', 64),
        PricePerRequest = price,
        Slots = 4,
        IssuedUnixMs = Now.ToUnixTimeMilliseconds(),
        ExpiresUnixMs = (Now + TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds(),
    };

    public static byte[] OfferGossip(PrivateKey node, Offer offer) =>
        new OfferGossip { Offer = MarketSigning.Sign(node, MarketMessageKind.Offer, offer) }.ToByteArray();

    public static byte[] JobRequestGossip(PrivateKey requester, JobRequest request) =>
        new OfferGossip { JobRequest = MarketSigning.Sign(requester, MarketMessageKind.JobRequest, request) }.ToByteArray();
}
