using Cerebrum.Core.Verification;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Verification;

/// <summary>
/// Every daemon with a ledger checks <c>cerebrum/1/attestations</c> before relaying: registered after the
/// <see cref="ChainService"/> and before pubsub joins the topics, so nothing arrives unchecked.
/// </summary>
public sealed class AttestationTopicService(PubSubService pubSub, ChainService chain, ILogger<NodeVerifier> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        NodeVerifier.RegisterTopicValidator(pubSub.Router, chain.Chain, logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
