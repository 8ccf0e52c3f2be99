using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Configuration;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// Self-service API keys for Cerebrum Cloud's visitors (<c>POST /cloud/api/keys</c>, when <c>Gateway:SelfService:Enabled</c>):
/// a key with the configured rate limit and budget (never unlimited), named <c>visitor-&lt;name&gt;-&lt;6 hex&gt;</c> so a
/// visitor can neither take nor probe an operator's key names. Bounded three ways: a token bucket per client IP address
/// (<see cref="GatewaySelfServiceOptions.KeysPerIpPerHour"/>), at most <see cref="GatewaySelfServiceOptions.TrackedAddresses"/>
/// addresses remembered (idle ones are forgotten first; when every one is busy, creation waits), and at most
/// <see cref="GatewaySelfServiceOptions.MaxKeys"/> keys in the store. The key is returned once and only its hash is kept.
/// </summary>
public sealed partial class CloudKeyIssuer(GatewaySelfServiceOptions options)
{
    /// <summary>Letters, digits, '.', '_' and '-', 1 to 40 of them.</summary>
    public const string NameRule = "1 to 40 letters, digits, '.', '_' or '-'";

    private static readonly TimeSpan Idle = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, (TokenBucket Bucket, DateTimeOffset LastUsed)> _addresses = [];

    public GatewaySelfServiceOptions Options => options;

    /// <summary>Creates a key for the visitor at <paramref name="address"/>.</summary>
    /// <exception cref="GatewayException">Bad name (400), this address's or the gateway's limit reached (429).</exception>
    public (string Key, ApiKey Record) Create(ApiKeyStore keys, IPAddress address, string? name, DateTimeOffset now)
    {
        var label = name?.Trim() ?? "";
        if (label.Length == 0) throw new GatewayException(GatewayErrorKind.BadRequest, $"give the key a name: {NameRule}");
        if (!NamePattern().IsMatch(label)) throw new GatewayException(GatewayErrorKind.BadRequest, $"'{Clip(label)}' is not a key name: use {NameRule}");
        if (keys.Count >= options.MaxKeys)
            throw new GatewayException(GatewayErrorKind.NoCapacity, $"this gateway holds its most keys ({options.MaxKeys}) and creates no more on its page; ask its operator", TimeSpan.FromHours(1));
        Take(address, now);
        return keys.Create($"visitor-{label}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}", options.RatePerSecond, now, options.Budget);
    }

    private void Take(IPAddress address, DateTimeOffset now)
    {
        // IPv4 clients reached over an IPv6 socket count as their IPv4 address.
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        TokenBucket bucket;
        lock (_gate)
        {
            if (_addresses.TryGetValue(address, out var entry)) bucket = entry.Bucket;
            else
            {
                if (_addresses.Count >= options.TrackedAddresses)
                {
                    foreach (var idle in _addresses.Where(a => now - a.Value.LastUsed >= Idle).Select(a => a.Key).ToList())
                        _addresses.Remove(idle);
                    if (_addresses.Count >= options.TrackedAddresses)
                        throw new GatewayException(GatewayErrorKind.RateLimited, "too many visitors are creating keys right now; try again later", TimeSpan.FromMinutes(5));
                }
                bucket = new TokenBucket(options.KeysPerIpPerHour / Idle.TotalSeconds, options.KeysPerIpPerHour, now);
            }
            _addresses[address] = (bucket, now);
        }
        if (!bucket.TryTake(now, out var retryAfter))
            throw new GatewayException(GatewayErrorKind.RateLimited,
                $"this address has created its {options.KeysPerIpPerHour} keys for the hour; try again in {Math.Ceiling(retryAfter.TotalMinutes)} min", retryAfter);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,40}$")]
    private static partial Regex NamePattern();
}
