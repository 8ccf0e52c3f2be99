using System.Security.Cryptography;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// Socket-free Noise HandshakeState for Noise_XX_25519_ChaChaPoly_SHA256 (Noise spec rev 34, section 5.3):
/// <c>-> e; &lt;- e, ee, s, es; -> s, se</c>. Callers alternate <see cref="WriteMessage"/> / <see cref="ReadMessage"/>
/// according to <see cref="IsMyTurnToWrite"/>, then take the transport ciphers with <see cref="Split"/>.
/// Any failure poisons the state: the spec requires aborting the handshake.
/// </summary>
internal sealed class NoiseHandshakeState : IDisposable
{
    public const string ProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";

    /// <summary>A Noise message (handshake or transport) is at most 65535 bytes.</summary>
    public const int MaxMessageLength = 65535;

    private const int DhLength = NoiseKeyPair.KeyLength;

    private enum Token { E, S, EE, ES, SE }

    private static readonly Token[][] XX = [[Token.E], [Token.E, Token.EE, Token.S, Token.ES], [Token.S, Token.SE]];

    private readonly SymmetricState _symmetric;
    private readonly INoiseKeySource _keySource;
    private readonly NoiseKeyPair _s;
    private NoiseKeyPair? _e;
    private byte[]? _rs;
    private byte[]? _re;
    private int _messageIndex;
    private bool _failed;
    private bool _split;

    public NoiseHandshakeState(bool initiator, INoiseKeySource keySource, ReadOnlySpan<byte> prologue = default)
    {
        IsInitiator = initiator;
        _keySource = keySource;
        _symmetric = new SymmetricState(ProtocolName);
        _symmetric.MixHash(prologue);
        _s = keySource.CreateStaticKey();
    }

    public bool IsInitiator { get; }

    public bool IsComplete => _messageIndex == XX.Length;

    /// <summary>True when the next step is <see cref="WriteMessage"/> (message 1 and 3 for the initiator, 2 for the responder).</summary>
    public bool IsMyTurnToWrite => !IsComplete && (_messageIndex % 2 == 0) == IsInitiator;

    public ReadOnlyMemory<byte> LocalStaticPublicKey => _s.PublicKey;

    /// <summary>The peer's static X25519 key, known after message 2 (initiator) or 3 (responder).</summary>
    public ReadOnlyMemory<byte>? RemoteStaticPublicKey => _rs;

    /// <summary>h: after completion, a unique channel binding identifier for this session.</summary>
    public ReadOnlySpan<byte> HandshakeHash => _symmetric.HandshakeHash;

    /// <summary>Produces the next handshake message carrying <paramref name="payload"/> (encrypted once a key exists).</summary>
    public byte[] WriteMessage(ReadOnlySpan<byte> payload)
    {
        EnsureTurn(write: true);
        var tokens = XX[_messageIndex];
        var length = MessageLength(tokens, payload.Length);
        if (length > MaxMessageLength)
            throw new ArgumentException($"handshake message {_messageIndex + 1} would be {length} bytes; Noise allows at most {MaxMessageLength}", nameof(payload));
        try
        {
            var message = new byte[length];
            var offset = 0;
            foreach (var token in tokens)
            {
                switch (token)
                {
                    case Token.E:
                        _e = _keySource.CreateEphemeralKey();
                        _e.PublicKey.Span.CopyTo(message.AsSpan(offset));
                        _symmetric.MixHash(_e.PublicKey.Span);
                        offset += DhLength;
                        break;
                    case Token.S:
                        offset += _symmetric.EncryptAndHash(_s.PublicKey.Span, message.AsSpan(offset));
                        break;
                    default:
                        MixDh(token);
                        break;
                }
            }
            offset += _symmetric.EncryptAndHash(payload, message.AsSpan(offset));
            if (offset != length) throw new InvalidOperationException("handshake message length bookkeeping is wrong");
            _messageIndex++;
            return message;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>Consumes the peer's next handshake message and returns its decrypted payload.</summary>
    public byte[] ReadMessage(ReadOnlySpan<byte> message)
    {
        EnsureTurn(write: false);
        var number = _messageIndex + 1;
        try
        {
            var tokens = XX[_messageIndex];
            var minimum = MessageLength(tokens, 0);
            if (message.Length < minimum)
                throw new NoiseHandshakeException($"handshake message {number} is {message.Length} bytes; at least {minimum} are required");
            if (message.Length > MaxMessageLength)
                throw new NoiseHandshakeException($"handshake message {number} is {message.Length} bytes; Noise allows at most {MaxMessageLength}");
            var offset = 0;
            foreach (var token in tokens)
            {
                switch (token)
                {
                    case Token.E:
                        _re = message.Slice(offset, DhLength).ToArray();
                        _symmetric.MixHash(_re);
                        offset += DhLength;
                        break;
                    case Token.S:
                        var sealedLength = DhLength + _symmetric.Overhead;
                        _rs = new byte[DhLength];
                        _symmetric.DecryptAndHash(message.Slice(offset, sealedLength), _rs);
                        offset += sealedLength;
                        break;
                    default:
                        MixDh(token);
                        break;
                }
            }
            var rest = message[offset..];
            var payload = new byte[rest.Length - _symmetric.Overhead];
            _symmetric.DecryptAndHash(rest, payload);
            _messageIndex++;
            return payload;
        }
        catch (CryptographicException e)
        {
            _failed = true;
            throw new NoiseHandshakeException($"handshake message {number} failed authentication (tampered, or keys do not match)", e);
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>Transport ciphers for this side: initiator sends with the first Split key, the responder with the second.</summary>
    public (CipherState Send, CipherState Receive) Split()
    {
        if (!IsComplete || _failed)
            throw new InvalidOperationException("the Noise handshake is not complete");
        if (_split)
            throw new InvalidOperationException("the Noise handshake was already split");
        _split = true;
        var (first, second) = _symmetric.Split();
        return IsInitiator ? (first, second) : (second, first);
    }

    private void MixDh(Token token)
    {
        Span<byte> shared = stackalloc byte[DhLength];
        // es/se name (initiator key, responder key); each side uses its own private half.
        switch (token)
        {
            case Token.EE:
                Local(_e).Agree(Remote(_re), shared);
                break;
            case Token.ES:
                if (IsInitiator) Local(_e).Agree(Remote(_rs), shared);
                else _s.Agree(Remote(_re), shared);
                break;
            case Token.SE:
                if (IsInitiator) _s.Agree(Remote(_re), shared);
                else Local(_e).Agree(Remote(_rs), shared);
                break;
            default:
                throw new InvalidOperationException($"unexpected token {token}");
        }
        _symmetric.MixKey(shared);
        CryptographicOperations.ZeroMemory(shared);
    }

    private static NoiseKeyPair Local(NoiseKeyPair? key) => key ?? throw new InvalidOperationException("local ephemeral key missing");

    private static ReadOnlySpan<byte> Remote(byte[]? key) => key ?? throw new InvalidOperationException("remote key missing");

    private int MessageLength(Token[] tokens, int payloadLength)
    {
        var hasKey = _symmetric.HasKey;
        var length = 0;
        foreach (var token in tokens)
        {
            if (token == Token.E) length += DhLength;
            else if (token == Token.S) length += DhLength + (hasKey ? CipherState.TagLength : 0);
            else hasKey = true;
        }
        return length + payloadLength + (hasKey ? CipherState.TagLength : 0);
    }

    private void EnsureTurn(bool write)
    {
        if (_failed) throw new InvalidOperationException("the Noise handshake already failed");
        if (IsComplete) throw new InvalidOperationException("the Noise handshake is already complete");
        if (IsMyTurnToWrite != write)
            throw new InvalidOperationException(write ? "it is the peer's turn to send a handshake message" : "it is our turn to send a handshake message");
    }

    public void Dispose()
    {
        _symmetric.Dispose();
        _s.Dispose();
        _e?.Dispose();
    }
}
