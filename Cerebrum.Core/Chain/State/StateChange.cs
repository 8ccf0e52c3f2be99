using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>One written entry: its new value (null when deleted), that value's encoding and its leaf hash.</summary>
public sealed record StateChange(string Key, IMessage? Value, byte[]? Encoded, byte[]? LeafHash);
