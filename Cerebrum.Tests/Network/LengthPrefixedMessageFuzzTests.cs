using Cerebrum.Core.Multiformats;
using Cerebrum.Core.Network;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network;

/// <summary>
/// The uvarint-length-prefixed framing (identify, sync, infer): hostile streams yield whole messages, a clean end, or
/// <see cref="InvalidDataException"/>; a declared length is never trusted with memory before its bytes arrive.
/// </summary>
public class LengthPrefixedMessageFuzzTests
{
    private const int MaxLength = 64 * 1024 * 1024;

    private static readonly byte[][] Valid = [Frame([1, 2, 3]), [.. Frame([]), .. Frame(new byte[200])], Frame(new byte[130])];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void ReadAsync_YieldsMessagesOrThrowsInvalidDataException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var input = mutator.Next(Valid, 40);
            var messages = new List<byte[]>();
            if (!Fuzz.CheckBounded("LengthPrefixedMessage.ReadAsync", seed, input, () => ReadAll(input, MaxLength, messages), typeof(InvalidDataException)))
                continue;
            // Whatever was accepted must be exactly what the stream framed.
            Assert.That(messages.SelectMany(m => Frame(m)).ToArray(), Is.EqualTo(input), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [Test]
    public void ClaimedLengthWithoutItsBytes_FailsWithoutAllocatingTheClaim()
    {
        // 64 MiB claimed (the infer protocol's limit), 10 bytes sent: the reader must not reserve the 64 MiB first.
        byte[] input = [0x80, 0x80, 0x80, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Exception? error = null;
        Fuzz.CheckBounded("LengthPrefixedMessage.ReadAsync", 0, input, () =>
        {
            try
            {
                ReadAll(input, MaxLength, []);
            }
            catch (InvalidDataException e)
            {
                error = e;
            }
        });
        Assert.That(error?.Message, Does.Contain("stream ended inside a 67108864-byte message"));
    }

    [Test]
    public void LengthAboveTheLimit_IsRejectedWithBothNumbers()
    {
        byte[] input = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        var error = Assert.Throws<InvalidDataException>(() => ReadAll(input, MaxLength, []));
        Assert.That(error!.Message, Does.Contain("4294967295 bytes exceeds the limit of 67108864"));
    }

    [Test]
    public void PaddedLengthPrefix_IsRejectedAsNotMinimal()
    {
        // 0x80 0x00 spells 0 in two bytes; the unsigned-varint spec allows only the one-byte form.
        var error = Assert.Throws<InvalidDataException>(() => ReadAll([0x80, 0x00], MaxLength, []));
        Assert.That(error!.Message, Does.Contain("not minimally encoded"));
    }

    [Test]
    public void LargeMessage_ArrivingInPieces_IsReadWhole()
    {
        var payload = new byte[3 * 1024 * 1024 + 5];
        new Random(7).NextBytes(payload);
        var messages = new List<byte[]>();
        ReadAll(Frame(payload), MaxLength, messages);
        Assert.That(messages.Single(), Is.EqualTo(payload));
    }

    private static void ReadAll(byte[] input, int maxLength, List<byte[]> messages)
    {
        using var stream = new MemoryStream(input);
        // MemoryStream completes synchronously, so the allocation measured on this thread is the whole read's.
        while (LengthPrefixedMessage.ReadAsync(stream, maxLength, CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } message)
            messages.Add(message);
    }

    private static byte[] Frame(byte[] message) => [.. Varint.Encode((ulong)message.Length), .. message];
}
