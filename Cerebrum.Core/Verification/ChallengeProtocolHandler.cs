using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.Verification.Proto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The node's side of <c>/cerebrum/challenge/1.0.0</c>: admits the remote peer (a validator of the current set), keeps
/// the offer within its <see cref="ChallengeLimits"/> and the <see cref="ChallengeBudget"/>, and answers with a
/// <see cref="ChallengeResponder"/>, running the model on its device on a dedicated thread. Every step waits at most
/// <see cref="StepTimeout"/> for the validator.
/// </summary>
public sealed class ChallengeProtocolHandler
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private readonly PrivateKey _identity;
    private readonly Func<PeerId, string?> _refuse;
    private readonly Func<ChallengeLimits> _limits;
    private readonly Func<ChallengeDevice> _device;
    private readonly ChallengeBudget _budget;
    private readonly ILogger _logger;

    /// <param name="refuse">Why a peer may not challenge this node (e.g. not a validator), or null to admit it.</param>
    /// <param name="limits">This node's limits now (from its claim).</param>
    /// <param name="device">Where the models run (the inference engine's device).</param>
    public ChallengeProtocolHandler(PrivateKey identity, Func<PeerId, string?> refuse, Func<ChallengeLimits> limits, Func<ChallengeDevice> device,
        ChallengeBudget budget, ILogger? logger = null)
    {
        _identity = identity;
        _refuse = refuse;
        _limits = limits;
        _device = device;
        _budget = budget;
        _logger = logger ?? NullLogger.Instance;
    }

    public void Register(PeerHost host) => host.SetHandler(ChallengeProtocol.ProtocolId, (stream, ct) => HandleAsync(stream.Stream, stream.Connection.RemotePeer, ct));

    public async Task HandleAsync(Stream stream, PeerId validator, CancellationToken ct)
    {
        try
        {
            var offer = (await ReadStepAsync(stream, ChallengeMessage.BodyOneofCase.Offer, ct)).Offer;
            if (_refuse(validator) is { } reason)
            {
                await RefuseAsync(stream, reason, ct);
                return;
            }
            var limits = _limits();
            var responder = new ChallengeResponder(_identity, validator, limits);
            ChallengeAccept accept;
            try
            {
                accept = responder.Accept(offer);
                var expected = TimeSpan.FromSeconds(ChallengeShape.FromMessage(offer.Shape).Operations / Math.Max(limits.MaxOperations / limits.LongestRun.TotalSeconds, 1));
                if (!_budget.Allows(expected)) throw new ChallengeRefusedException($"checks took {_budget.Spent.TotalSeconds:0.0} s of the last {_budget.Window.TotalMinutes:0} min, the cap is {_budget.MaxShare:P0}");
            }
            catch (ChallengeRefusedException e)
            {
                await RefuseAsync(stream, e.Message, ct);
                return;
            }
            await ChallengeProtocol.WriteAsync(stream, new ChallengeMessage { Accept = accept }, ct);
            var reveal = (await ReadStepAsync(stream, ChallengeMessage.BodyOneofCase.Reveal, ct)).Reveal;
            ChallengeResult result;
            try
            {
                var device = _device();
                var started = TimeProvider.System.GetTimestamp();
                try
                {
                    // Past the validator's deadline the answer is worthless: stop the run then (a second of grace for the network).
                    using var run = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    run.CancelAfter(TimeSpan.FromMilliseconds(offer.DeadlineMs) + TimeSpan.FromSeconds(1));
                    // A run blocks its thread inside ONNX Runtime for up to seconds: not on the thread pool.
                    result = await Task.Factory.StartNew(() => responder.Solve(reveal, device, run.Token), run.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }
                finally
                {
                    _budget.Record(TimeProvider.System.GetElapsedTime(started));
                }
            }
            catch (ChallengeRefusedException e)
            {
                await RefuseAsync(stream, e.Message, ct);
                return;
            }
            await ChallengeProtocol.WriteAsync(stream, new ChallengeMessage { Result = result }, ct);
            var open = (await ReadStepAsync(stream, ChallengeMessage.BodyOneofCase.Open, ct)).Open;
            try
            {
                await ChallengeProtocol.WriteAsync(stream, new ChallengeMessage { Opening = responder.Open(open) }, ct);
            }
            catch (ChallengeRefusedException e)
            {
                await RefuseAsync(stream, e.Message, ct);
            }
        }
        catch (Exception e) when (e is InvalidDataException or ChallengeRefusedException or IOException or TimeoutException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // The validator broke off, timed out or misbehaved; its checks of this node end here.
            _logger.LogDebug("Challenge from {Validator} ended: {Reason}", validator, e.Message);
        }
    }

    private static async Task<ChallengeMessage> ReadStepAsync(Stream stream, ChallengeMessage.BodyOneofCase expected, CancellationToken ct)
    {
        using var step = CancellationTokenSource.CreateLinkedTokenSource(ct);
        step.CancelAfter(StepTimeout);
        try
        {
            return await ChallengeProtocol.ReadAsync(stream, expected, step.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no {expected} within {StepTimeout.TotalSeconds:0} s");
        }
    }

    private static async Task RefuseAsync(Stream stream, string reason, CancellationToken ct) =>
        await ChallengeProtocol.WriteAsync(stream, new ChallengeMessage { Refusal = new ChallengeRefusal { Reason = reason } }, ct);
}
