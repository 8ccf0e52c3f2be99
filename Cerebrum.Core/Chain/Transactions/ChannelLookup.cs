using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>The channel a channel transaction names, with the precise error when there is none.</summary>
internal static class ChannelLookup
{
    public static ChainError? Find(IStateReader state, ByteString channelId, out ChannelState channel)
    {
        channel = null!;
        if (channelId.Length != PaymentIds.Length)
            return new ChainError(ChainErrorCode.InvalidField, $"channel id has {channelId.Length} bytes, not {PaymentIds.Length}");
        if (state.GetChannel(channelId.Span) is not { } found)
            return new ChainError(ChainErrorCode.UnknownChannel, $"no channel {PaymentIds.ToHex(channelId.Span)}");
        channel = found;
        return null;
    }

    public static bool IsClosing(ChannelState channel) => channel.SettleAtUnixMs != 0;
}
