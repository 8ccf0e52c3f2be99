using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>
/// DCUtR on the side that dialled through the relay (A in the spec), which accepts the <c>/libp2p/dcutr</c> stream,
/// without I/O: answer each CONNECT with ours, and on the SYNC that follows dial the addresses from that CONNECT at
/// once. A stream may carry several attempts (CONNECT, SYNC, CONNECT, SYNC, …), up to the attempt limit. Not
/// thread-safe: one stream drives it.
/// </summary>
public sealed class HolePunchResponder
{
    private readonly HolePunchOptions _options;
    private readonly IReadOnlyList<Multiaddress> _ourAddresses;
    private IReadOnlyList<Multiaddress>? _pending;
    private int _attempts;

    public HolePunchResponder(IEnumerable<Multiaddress> ourAddresses, HolePunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(ourAddresses);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ourAddresses = [.. ourAddresses.Where(a => HolePunchMessages.Dialable(a, options.AllowNonPublicAddresses)).Distinct().Take(HolePunchMessages.MaxAddresses)];
    }

    /// <summary>The addresses of the CONNECT waiting for its SYNC (what will be dialled then); empty when none is waiting.</summary>
    public IReadOnlyList<Multiaddress> Pending => _pending ?? [];

    /// <summary>A CONNECT arrived: our CONNECT to send back.</summary>
    /// <exception cref="FormatException">Not a well-formed CONNECT.</exception>
    /// <exception cref="InvalidOperationException">A CONNECT while one is waiting for its SYNC, or past the attempt limit.</exception>
    public byte[] OnConnect(ReadOnlySpan<byte> connect)
    {
        if (_pending is not null)
            throw new InvalidOperationException("a second CONNECT before the SYNC of the first");
        if (_attempts >= _options.MaxAttempts)
            throw new InvalidOperationException($"more than {_options.MaxAttempts} hole punching attempts on one stream");
        _pending = HolePunchMessages.ParseConnect(connect, _options.AllowNonPublicAddresses);
        _attempts++;
        return HolePunchMessages.EncodeConnect(_ourAddresses);
    }

    /// <summary>The SYNC arrived: the addresses to dial now (empty when the CONNECT offered none we can dial).</summary>
    /// <exception cref="FormatException">Not a well-formed SYNC.</exception>
    /// <exception cref="InvalidOperationException">A SYNC without a CONNECT before it.</exception>
    public IReadOnlyList<Multiaddress> OnSync(ReadOnlySpan<byte> sync)
    {
        if (_pending is not { } targets)
            throw new InvalidOperationException("a SYNC without a CONNECT before it");
        HolePunchMessages.ParseSync(sync);
        _pending = null;
        return targets;
    }
}
