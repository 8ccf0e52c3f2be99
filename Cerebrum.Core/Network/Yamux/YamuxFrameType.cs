namespace Cerebrum.Core.Network.Yamux;

/// <summary>The yamux frame types; any other value on the wire is a protocol error.</summary>
internal enum YamuxFrameType : byte
{
    Data = 0,
    WindowUpdate = 1,
    Ping = 2,
    GoAway = 3,
}
