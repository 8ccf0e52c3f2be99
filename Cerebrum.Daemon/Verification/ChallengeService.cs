using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Verification;

/// <summary>
/// Node mode's side of verification: answers <c>/cerebrum/challenge/1.0.0</c> from validators of the current set (which
/// it knows from its ledger; without one it refuses everyone), on the inference engine's device, within its claim ×
/// <c>Verification:NodeLongestRun</c> and a cap of <c>Verification:NodeCapacityCap</c> of its time. Registered after
/// <see cref="NodeService"/>.
/// </summary>
public sealed class ChallengeService : IHostedService
{
    private readonly NetworkService _network;
    private readonly NodeService _node;
    private readonly IServiceProvider _services;
    private readonly PrivateKey _identity;
    private readonly DaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ChallengeService> _logger;

    public ChallengeService(NetworkService network, NodeService node, IServiceProvider services, PrivateKey identity, DaemonOptions options, TimeProvider time,
        ILogger<ChallengeService> logger)
    {
        _network = network;
        _node = node;
        _services = services;
        _identity = identity;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var chain = _services.GetService<ChainService>();
        var handler = new ChallengeProtocolHandler(
            _identity,
            peer => Refusal(chain, peer),
            () => Limits(chain),
            () => new ChallengeDevice(_node.Engine.Gpu.Active, _options.Node.GpuDeviceId, _options.Node.IntraOpThreads),
            new ChallengeBudget(_time, _options.Verification.NodeCapacityCap),
            _logger);
        handler.Register(_network.Host);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _network.Host.RemoveHandler(ChallengeProtocol.ProtocolId);
        return Task.CompletedTask;
    }

    private static string? Refusal(ChainService? chain, PeerId peer)
    {
        if (chain is null) return "this node keeps no ledger, so it cannot tell validators";
        var ledger = chain.Chain;
        return ledger.GetValidatorSet(ledger.Status.Height + 1)?.Find(peer) is null ? $"{peer} is not a validator at height {ledger.Status.Height + 1}" : null;
    }

    private ChallengeLimits Limits(ChainService? chain)
    {
        var minimum = chain?.Chain.Params.Verification.MinClaimedMflops ?? 1_000;
        var claimed = chain?.Chain.GetNode(_identity.PeerId)?.Claim?.ClaimedMflops ?? 0;
        return ChallengeLimits.ForClaim(Math.Max(claimed, minimum), _options.Verification.NodeLongestRun);
    }
}
