using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Network.Multiaddr;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// Checks a <c>cerebrum/1/status</c> payload. Anything its author is to blame for is <c>Reject</c> (so gossipsub
/// penalises whoever relays it): oversized, malformed, a bad or unsupported key, a bad signature, a status naming a
/// node other than the signing key's. A timestamp outside the accepted window is <c>Ignore</c>: an honest relay whose
/// clock differs from ours, or a message delayed in the mesh, must not cost its sender score.
/// </summary>
public sealed class NodeStatusValidator
{
    private readonly NodeStatusLimits _limits;

    /// <exception cref="ArgumentException">The limits are invalid.</exception>
    public NodeStatusValidator(NodeStatusLimits? limits = null)
    {
        _limits = limits ?? new NodeStatusLimits();
        _limits.Validate();
    }

    public NodeStatusLimits Limits => _limits;

    public NodeStatusVerdict Validate(ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        if (payload.Length > _limits.MaxBytes)
            return NodeStatusVerdict.Reject($"{payload.Length} bytes exceeds the limit of {_limits.MaxBytes}");
        SignedNodeStatus signed;
        try
        {
            signed = SignedNodeStatus.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return NodeStatusVerdict.Reject($"not a SignedNodeStatus: {e.Message}");
        }
        if (signed.Status.IsEmpty || signed.PublicKey.IsEmpty || signed.Signature.IsEmpty)
            return NodeStatusVerdict.Reject("status, public key or signature missing");
        PublicKey key;
        try
        {
            key = PublicKey.FromProtobuf(signed.PublicKey.Span);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            return NodeStatusVerdict.Reject($"bad public key: {e.Message}");
        }
        if (!key.Verify(NodeStatusSigning.SigningBytes(signed.Status.Span), signed.Signature.Span))
            return NodeStatusVerdict.Reject("bad signature");
        NodeStatus status;
        try
        {
            status = NodeStatus.Parser.ParseFrom(signed.Status);
        }
        catch (InvalidProtocolBufferException e)
        {
            return NodeStatusVerdict.Reject($"signed bytes are not a NodeStatus: {e.Message}");
        }
        var node = key.ToPeerId();
        if (!status.NodePeerId.Span.SequenceEqual(node.Bytes.Span))
            return NodeStatusVerdict.Reject($"the status names another node than the signing key's {node}");
        if (status.Models.Count > _limits.MaxModels)
            return NodeStatusVerdict.Reject($"{status.Models.Count} models exceeds the limit of {_limits.MaxModels}");
        if (TextEncodingProblem(status) is { } problem)
            return NodeStatusVerdict.Reject(problem);
        if (status.Addresses.Count > _limits.MaxAddresses)
            return NodeStatusVerdict.Reject($"{status.Addresses.Count} addresses exceeds the limit of {_limits.MaxAddresses}");
        var addresses = new Multiaddress[status.Addresses.Count];
        for (var i = 0; i < addresses.Length; i++)
        {
            try
            {
                addresses[i] = Multiaddress.FromBytes(status.Addresses[i].Span);
            }
            catch (FormatException e)
            {
                return NodeStatusVerdict.Reject($"address {i} is not a multiaddr: {e.Message}");
            }
            if (addresses[i].PeerId is not null)
                return NodeStatusVerdict.Reject($"address {addresses[i]} has a /p2p part; the status names its node");
        }
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(status.TimestampUnixMs,
            DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
        if (timestamp > now + _limits.MaxFutureSkew)
            return NodeStatusVerdict.Ignore($"timestamp {timestamp:O} is more than {_limits.MaxFutureSkew} ahead of {now:O}");
        if (timestamp < now - _limits.MaxAge)
            return NodeStatusVerdict.Ignore($"timestamp {timestamp:O} is more than {_limits.MaxAge} before {now:O}");
        return NodeStatusVerdict.Accept(new VerifiedNodeStatus(node, status, addresses));
    }

    /// <summary>Each text encoding must describe one of the status's models, once, and be well formed.</summary>
    private static string? TextEncodingProblem(NodeStatus status)
    {
        if (status.TextEncodings.Count == 0) return null;
        if (status.TextEncodings.Count > status.Models.Count)
            return $"{status.TextEncodings.Count} text encodings for {status.Models.Count} models";
        var models = status.Models.Select(m => m.Hash).ToHashSet(StringComparer.Ordinal);
        var described = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wire in status.TextEncodings)
        {
            if (!models.Contains(wire.ModelHash))
                return $"a text encoding describes model '{wire.ModelHash}', which the status does not list";
            if (!described.Add(wire.ModelHash))
                return $"model '{wire.ModelHash}' has more than one text encoding";
            if (NodeStatusModels.FromWire(wire).Problem() is { } problem)
                return $"the text encoding of model '{wire.ModelHash}' is malformed: {problem}";
        }
        return null;
    }
}
