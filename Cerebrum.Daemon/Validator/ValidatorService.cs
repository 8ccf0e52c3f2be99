using Cerebrum.Core.Chain.Validating;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Validator;

/// <summary>
/// Validator mode: hosts the chain's <see cref="ConsensusReactor"/> (consensus, block publishing, and the supervisor
/// that keeps consensus at the chain's height) with this daemon's key and a <see cref="LastSignedGuard"/> at
/// <c>DIR/consensus-last-signed.json</c>. Registered after <see cref="PubSubService"/>.
/// </summary>
public sealed class ValidatorService : IHostedService, IAsyncDisposable
{
    private readonly ChainService _chainService;
    private readonly PrivateKey _identity;
    private readonly DaemonOptions _options;
    private readonly DataDirectory _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private ConsensusReactor? _reactor;

    public ValidatorService(ChainService chainService, PrivateKey identity, DaemonOptions options, DataDirectory dataDirectory,
        TimeProvider time, ILoggerFactory loggerFactory)
    {
        _chainService = chainService;
        _identity = identity;
        _options = options;
        _dataDirectory = dataDirectory;
        _time = time;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The height the running consensus driver decides (0 when none runs).</summary>
    public long ConsensusHeight => _reactor?.ConsensusHeight ?? 0;

    /// <summary>The round the running consensus driver plays (0 when none runs).</summary>
    public int ConsensusRound => _reactor?.ConsensusRound ?? 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        LastSignedGuard guard;
        try
        {
            guard = LastSignedGuard.Open(_dataDirectory.ConsensusLastSignedPath, _identity.PeerId);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        _reactor = new ConsensusReactor(_chainService.Chain, _chainService.Gossip, _identity, _options.Chain.Consensus, guard, _time, _loggerFactory);
        await _reactor.StartAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_reactor is not null) await _reactor.DisposeAsync();
    }
}
