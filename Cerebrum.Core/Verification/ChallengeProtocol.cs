using Cerebrum.Core.Network;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// <c>/cerebrum/challenge/1.0.0</c>: one stream per check, uvarint-length-prefixed <see cref="ChallengeMessage"/>s in
/// turn: offer → accept, reveal → result, open → opening; the node may answer any step with a refusal, which ends it.
/// </summary>
public static class ChallengeProtocol
{
    public const string ProtocolId = "/cerebrum/challenge/1.0.0";

    /// <summary>Largest message: an opening of 64 rows of width 8192 (2 MiB) with their proofs fits with room.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    public static ValueTask WriteAsync(Stream stream, ChallengeMessage message, CancellationToken ct) =>
        LengthPrefixedMessage.WriteAsync(stream, message.ToByteArray(), ct);

    /// <summary>The next message, which must be of <paramref name="expected"/> kind.</summary>
    /// <exception cref="ChallengeRefusedException">The peer refused (its reason).</exception>
    /// <exception cref="InvalidDataException">The stream ended, or the message is malformed or of another kind.</exception>
    public static async Task<ChallengeMessage> ReadAsync(Stream stream, ChallengeMessage.BodyOneofCase expected, CancellationToken ct)
    {
        var bytes = await LengthPrefixedMessage.ReadAsync(stream, MaxMessageBytes, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"the stream ended where a {expected} was due");
        ChallengeMessage message;
        try
        {
            message = ChallengeMessage.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"not a challenge message: {e.Message}", e);
        }
        if (message.BodyCase == ChallengeMessage.BodyOneofCase.Refusal)
            throw new ChallengeRefusedException("refused: " + message.Refusal.Reason);
        if (message.BodyCase != expected) throw new InvalidDataException($"a {message.BodyCase} came where a {expected} was due");
        return message;
    }
}
