namespace Cerebrum.Core.Network.Yamux;

/// <summary>Flag bits of a yamux frame header. Unknown bits are ignored on receipt.</summary>
[Flags]
internal enum YamuxFrameFlags : ushort
{
    None = 0,
    Syn = 1,
    Ack = 2,
    Fin = 4,
    Rst = 8,
}
