using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network;

/// <summary>Raw connection to secured, multiplexed connection: multistream-select /noise, Noise XX, multistream-select /yamux/1.0.0.</summary>
internal static class ConnectionUpgrader
{
    public const string MuxerProtocol = "/yamux/1.0.0";

    public static async Task<(NoiseSecureStream Secure, YamuxSession Session)> UpgradeOutboundAsync(
        Stream raw, PrivateKey identity, PeerId? expectedRemote, YamuxOptions yamux, ILogger logger, CancellationToken ct)
    {
        await MultistreamSelect.SelectAsync(raw, [NoiseSecurity.ProtocolId], ct).ConfigureAwait(false);
        var secure = await NoiseSecurity.SecureOutboundAsync(raw, identity, expectedRemote, ct).ConfigureAwait(false);
        try
        {
            await MultistreamSelect.SelectAsync(secure, [MuxerProtocol], ct).ConfigureAwait(false);
            return (secure, new YamuxSession(secure, isInitiator: true, yamux, logger));
        }
        catch
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static async Task<(NoiseSecureStream Secure, YamuxSession Session)> UpgradeInboundAsync(
        Stream raw, PrivateKey identity, YamuxOptions yamux, ILogger logger, CancellationToken ct)
    {
        await MultistreamSelect.HandleAsync(raw, p => p == NoiseSecurity.ProtocolId, [NoiseSecurity.ProtocolId], ct).ConfigureAwait(false);
        var secure = await NoiseSecurity.SecureInboundAsync(raw, identity, ct).ConfigureAwait(false);
        try
        {
            await MultistreamSelect.HandleAsync(secure, p => p == MuxerProtocol, [MuxerProtocol], ct).ConfigureAwait(false);
            return (secure, new YamuxSession(secure, isInitiator: false, yamux, logger));
        }
        catch
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
