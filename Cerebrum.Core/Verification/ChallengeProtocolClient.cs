using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.Verification.Proto;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The validator's side of <c>/cerebrum/challenge/1.0.0</c>: runs a <see cref="HardwareChallenge"/> (a hardware check or
/// a latency probe) with a node over one stream. The result must come before the challenge's deadline; the other steps
/// within <paramref name="stepTimeout"/>. A refusal, a broken stream or a timeout ends the challenge as the node's
/// failure to answer (<see cref="HardwareChallenge.Abandon"/>).
/// </summary>
public static class ChallengeProtocolClient
{
    public static async Task<ChallengeOutcome> RunAsync(Connection connection, HardwareChallenge challenge, TimeSpan stepTimeout, CancellationToken ct)
    {
        ProtocolStream? stream = null;
        try
        {
            stream = await WithTimeout(stepTimeout, t => connection.OpenStreamAsync(ChallengeProtocol.ProtocolId, t), ct);
            var io = stream.Stream;
            await ChallengeProtocol.WriteAsync(io, new ChallengeMessage { Offer = challenge.Offer }, ct);
            var accept = await WithTimeout(stepTimeout, t => ChallengeProtocol.ReadAsync(io, ChallengeMessage.BodyOneofCase.Accept, t), ct);
            if (challenge.Reveal(accept.Accept) is not { } reveal) return challenge.Outcome!;
            await ChallengeProtocol.WriteAsync(io, new ChallengeMessage { Reveal = reveal }, ct);
            // A little past the deadline, so that a result just in time is read and judged by the challenge's own clock.
            var result = await WithTimeout(challenge.Deadline + TimeSpan.FromMilliseconds(100), t => ChallengeProtocol.ReadAsync(io, ChallengeMessage.BodyOneofCase.Result, t), ct);
            if (challenge.ReceiveResult(result.Result) is not { } open) return challenge.Outcome!;
            await ChallengeProtocol.WriteAsync(io, new ChallengeMessage { Open = open }, ct);
            var opening = await WithTimeout(stepTimeout, t => ChallengeProtocol.ReadAsync(io, ChallengeMessage.BodyOneofCase.Opening, t), ct);
            var outcome = challenge.Finish(opening.Opening);
            await stream.CompleteWritesAsync(ct);
            return outcome;
        }
        catch (Exception e) when (e is InvalidDataException or ChallengeRefusedException or IOException or TimeoutException or DialException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return challenge.Abandon(e.Message);
        }
        finally
        {
            if (stream is not null) await stream.DisposeAsync();
        }
    }

    private static async Task<T> WithTimeout<T>(TimeSpan timeout, Func<CancellationToken, Task<T>> step, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            return await step(bounded.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {timeout.TotalMilliseconds:0} ms");
        }
    }
}
