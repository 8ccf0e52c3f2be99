using Cerebrum.Core.Network.Yamux;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Yamux;

/// <summary>
/// Yamux fed hostile bytes: the header decoder returns a header, "need more", or <see cref="YamuxProtocolException"/>;
/// a session reading them ends (never hangs) with a protocol violation, a transport-loss <see cref="YamuxException"/>
/// caused by the input ending, or a clean close; never with a fault that hides another exception.
/// </summary>
public class YamuxFrameFuzzTests
{
    private static readonly byte[][] Valid =
    [
        [.. Header(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0), .. Header(YamuxFrameType.Data, YamuxFrameFlags.None, 1, 3), 1, 2, 3,
            .. Header(YamuxFrameType.Data, YamuxFrameFlags.Fin, 1, 0)],
        [.. Header(YamuxFrameType.Data, YamuxFrameFlags.Syn, 3, 2), 9, 9, .. Header(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, 3, 0)],
        [.. Header(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, 77), .. Header(YamuxFrameType.Ping, YamuxFrameFlags.Ack, 0, 78)],
        [.. Header(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 5, 1000), .. Header(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, 0)],
    ];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void HeaderTryRead_DecodesReEncodableHeadersOrThrowsYamuxProtocolException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(3000); i++)
        {
            var input = mutator.Next(Valid, 16);
            YamuxFrameHeader header = default;
            var complete = false;
            if (!Fuzz.Check("YamuxFrameHeader.TryRead", seed, input, () => complete = YamuxFrameHeader.TryRead(input, out header), typeof(YamuxProtocolException)))
                continue;
            if (!complete)
            {
                Assert.That(input, Has.Length.LessThan(YamuxFrameHeader.Size));
                continue;
            }
            var encoded = new byte[YamuxFrameHeader.Size];
            header.WriteTo(encoded);
            Assert.That(encoded, Is.EqualTo(input[..YamuxFrameHeader.Size]), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task Session_EndsWithADocumentedReason(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(150); i++)
        {
            var input = mutator.Next(Valid, 64);
            var transport = new ScriptedInputStream(input, 1 + mutator.Random.Next(32));
            var session = new YamuxSession(transport, isInitiator: false, new YamuxOptions { KeepAliveInterval = TimeSpan.Zero }, NullLogger.Instance);
            try
            {
                // The input ends, so the session must end too: a hang here is a bug.
                await Fuzz.CheckAsync("YamuxSession read loop", seed, input, () => session.Completion, typeof(YamuxException));
                if (session.Completion.Exception?.InnerException is YamuxException { } error and not YamuxProtocolException)
                {
                    // Transport loss must come from the input running out, not from a decoder bug caught on the way.
                    Fuzz.ExpectAllowed("YamuxSession read loop", seed, input, error.InnerException, typeof(EndOfStreamException), typeof(YamuxException));
                }
            }
            finally
            {
                await session.DisposeAsync().AsTask().WaitAsync(Fuzz.HangTimeout);
            }
        }
    }

    private static byte[] Header(YamuxFrameType type, YamuxFrameFlags flags, uint streamId, uint length)
    {
        var bytes = new byte[YamuxFrameHeader.Size];
        new YamuxFrameHeader(type, flags, streamId, length).WriteTo(bytes);
        return bytes;
    }
}
