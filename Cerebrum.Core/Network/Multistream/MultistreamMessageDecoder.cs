using System.Text;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// Incremental multistream-select message decoder: fed arbitrary chunks (partial or several messages at once),
/// it yields whole messages. Pure state machine without I/O. <see cref="BytesNeeded"/> tells an I/O caller how
/// much it may read without going past the current message, which is what keeps pipelined application data
/// behind the negotiation untouched. After a protocol error the decoder stays failed.
/// </summary>
public sealed class MultistreamMessageDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly int _maxLength;
    private readonly byte[] _prefix = new byte[Varint.MaxLength];
    private int _prefixLength;
    private byte[]? _payload;
    private int _payloadFilled;
    private string? _failure;

    public MultistreamMessageDecoder(int maxLength = MultistreamMessage.DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        _maxLength = maxLength;
    }

    /// <summary>
    /// How many bytes can be fed without crossing the end of the current message: 1 while reading the length
    /// prefix (its end is only known once seen), then the rest of the body.
    /// </summary>
    public int BytesNeeded => _payload is null ? 1 : _payload.Length - _payloadFilled;

    /// <summary>True when no message is partially decoded.</summary>
    public bool IsAtMessageBoundary => _payload is null && _prefixLength == 0;

    /// <summary>
    /// Consumes bytes from <paramref name="input"/>, stopping right after the first message it completes.
    /// </summary>
    /// <returns>The number of bytes consumed; <paramref name="message"/> is set when a message completed.</returns>
    /// <exception cref="MultistreamProtocolException">The input is not valid multistream-select.</exception>
    public int Decode(ReadOnlySpan<byte> input, out string? message)
    {
        message = null;
        if (_failure is not null)
            throw new MultistreamProtocolException($"multistream decoder already failed: {_failure}");
        var consumed = 0;
        while (consumed < input.Length)
        {
            if (_payload is null)
            {
                _prefix[_prefixLength++] = input[consumed++];
                if (!TryCompletePrefix())
                    continue;
            }
            else
            {
                var take = Math.Min(_payload.Length - _payloadFilled, input.Length - consumed);
                input.Slice(consumed, take).CopyTo(_payload.AsSpan(_payloadFilled));
                consumed += take;
                _payloadFilled += take;
            }
            if (_payloadFilled == _payload!.Length)
            {
                message = CompleteMessage();
                return consumed;
            }
        }
        return consumed;
    }

    /// <summary>Decodes every complete message in <paramref name="input"/>, keeping a trailing partial one for later.</summary>
    public IReadOnlyList<string> DecodeAll(ReadOnlySpan<byte> input)
    {
        var messages = new List<string>();
        while (!input.IsEmpty)
        {
            var consumed = Decode(input, out var message);
            if (message is not null)
                messages.Add(message);
            input = input[consumed..];
        }
        return messages;
    }

    private bool TryCompletePrefix()
    {
        int n;
        ulong length;
        try
        {
            n = Varint.TryRead(_prefix.AsSpan(0, _prefixLength), out length);
        }
        catch (FormatException e)
        {
            throw Fail($"invalid length prefix: {e.Message}");
        }
        if (n == 0)
        {
            // A minimal varint still unfinished after k bytes is at least 2^(7k): reject oversize early
            // instead of waiting for up to nine bytes.
            if (1UL << (7 * _prefixLength) > (ulong)_maxLength)
                throw Fail($"message length exceeds the maximum of {_maxLength} bytes");
            return false;
        }
        _prefixLength = 0;
        if (length == 0)
            throw Fail("zero-length message (every message must end with a newline)");
        if (length > (ulong)_maxLength)
            throw Fail($"message length {length} exceeds the maximum of {_maxLength} bytes");
        _payload = new byte[length];
        _payloadFilled = 0;
        return true;
    }

    private string CompleteMessage()
    {
        var payload = _payload!;
        _payload = null;
        _payloadFilled = 0;
        if (payload[^1] != (byte)'\n')
            throw Fail($"message does not end with a newline (0x{Preview(payload)})");
        string text;
        try
        {
            text = StrictUtf8.GetString(payload, 0, payload.Length - 1);
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"message is not valid UTF-8 (0x{Preview(payload)})");
        }
        if (text.Length == 0)
            throw Fail("empty message (a lone newline)");
        return text;
    }

    private static string Preview(byte[] payload) =>
        Convert.ToHexStringLower(payload.AsSpan(0, Math.Min(payload.Length, 32))) + (payload.Length > 32 ? "…" : "");

    private MultistreamProtocolException Fail(string reason)
    {
        _failure = reason;
        _payload = null;
        _prefixLength = 0;
        return new MultistreamProtocolException("multistream-select: " + reason);
    }
}
