using Cerebrum.Core.Network.Multistream;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Multistream;

/// <summary>
/// multistream-select fed hostile bytes: the decoder yields messages or throws <see cref="MultistreamProtocolException"/>
/// (and stays failed); a negotiation ends with a protocol, <see cref="MultistreamProtocolException"/>,
/// <see cref="EndOfStreamException"/> or (dialer) <see cref="ProtocolNotSupportedException"/>.
/// </summary>
public class MultistreamFuzzTests
{
    private const string Proposal = "/cerebrum/test/1.0.0";

    private static readonly byte[][] Valid =
    [
        MultistreamMessage.Encode(MultistreamSelect.ProtocolId, Proposal),
        MultistreamMessage.Encode(MultistreamSelect.ProtocolId, MultistreamMessage.List, "/other", Proposal),
        MultistreamMessage.Encode(MultistreamSelect.ProtocolId, MultistreamMessage.NotAvailable),
        MultistreamMessage.EncodeList(["/a/1", "/b/2"]),
    ];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Decoder_YieldsMessagesOrFailsForGood(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var input = mutator.Next(Valid, 64);
            var decoder = new MultistreamMessageDecoder();
            var messages = new List<string>();
            var offset = 0;
            var failed = false;
            while (offset < input.Length && !failed)
            {
                // Arbitrary chunking: the decoder must not care where reads split the input.
                var chunk = input[offset..Math.Min(input.Length, offset + 1 + mutator.Random.Next(8))];
                failed = !Fuzz.CheckBounded("MultistreamMessageDecoder.DecodeAll", seed, input,
                    () => messages.AddRange(decoder.DecodeAll(chunk)), typeof(MultistreamProtocolException));
                offset += chunk.Length;
            }
            if (failed)
            {
                Assert.Throws<MultistreamProtocolException>(() => decoder.Decode([0x01], out _), $"seed {seed}: a failed decoder accepted more input");
                continue;
            }
            if (decoder.IsAtMessageBoundary)
                Assert.That(messages.SelectMany(Reencode).ToArray(), Is.EqualTo(input), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task LazyDialer_PassesThroughOrFailsEveryReadWithTheSameError(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        var pipelined = new byte[] { 1, 2, 3 };
        byte[][] valid = [[.. MultistreamMessage.Encode(MultistreamSelect.ProtocolId, Proposal), .. pipelined]];
        for (var i = 0; i < Fuzz.Iterations(500); i++)
        {
            var input = mutator.Next(valid, 64);
            using var lazy = MultistreamSelect.SelectLazy(new ScriptedInputStream(input, 1 + mutator.Random.Next(16)), Proposal);
            var buffer = new byte[64];
            Exception? first;
            try
            {
                await lazy.ReadAsync(buffer).AsTask().WaitAsync(Fuzz.HangTimeout);
                continue;
            }
            catch (Exception e)
            {
                first = e;
            }
            Fuzz.ExpectAllowed("LazySelectStream.ReadAsync", seed, input, first,
                typeof(MultistreamProtocolException), typeof(EndOfStreamException), typeof(ProtocolNotSupportedException));
            // A broken negotiation is remembered: the next read fails the same way instead of reading on.
            var second = Assert.CatchAsync(async () => await lazy.ReadAsync(buffer).AsTask().WaitAsync(Fuzz.HangTimeout));
            Assert.That(second?.GetType(), Is.EqualTo(first.GetType()), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    // Not MultistreamMessage.Encode: a decoded message may hold newlines (an ls answer embeds whole messages).
    private static byte[] Reencode(string message)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(message + "\n");
        return [.. Cerebrum.Core.Multiformats.Varint.Encode((ulong)body.Length), .. body];
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task Listener_AgreesOrFailsWithAProtocolError(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(500); i++)
        {
            var input = mutator.Next(Valid, 64);
            var stream = new ScriptedInputStream(input, 1 + mutator.Random.Next(16));
            string? agreed = null;
            await Fuzz.CheckAsync("MultistreamSelect.HandleAsync", seed, input,
                async () => agreed = await MultistreamSelect.HandleAsync(stream, p => p == Proposal, ["/a/1", Proposal], CancellationToken.None),
                typeof(MultistreamProtocolException), typeof(EndOfStreamException));
            Assert.That(agreed, Is.Null.Or.EqualTo(Proposal), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task Dialer_AgreesOrFailsWithAProtocolError(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(500); i++)
        {
            var input = mutator.Next(Valid, 64);
            var stream = new ScriptedInputStream(input, 1 + mutator.Random.Next(16));
            string? agreed = null;
            await Fuzz.CheckAsync("MultistreamSelect.SelectAsync", seed, input,
                async () => agreed = await MultistreamSelect.SelectAsync(stream, ["/other", Proposal], CancellationToken.None),
                typeof(MultistreamProtocolException), typeof(EndOfStreamException), typeof(ProtocolNotSupportedException));
            Assert.That(agreed, Is.Null.Or.EqualTo("/other").Or.EqualTo(Proposal), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }
}
