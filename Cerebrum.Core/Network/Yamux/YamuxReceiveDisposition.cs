namespace Cerebrum.Core.Network.Yamux;

/// <summary>What the read loop should do with the payload of a Data frame, decided before reading it.</summary>
internal enum YamuxReceiveDisposition
{
    /// <summary>Read the payload into a pooled segment and hand it to the stream.</summary>
    Deliver,
    /// <summary>Read and drop the payload (stream reset, or abandoned by the application).</summary>
    Discard,
    /// <summary>The peer sent more than the window it was granted: protocol error.</summary>
    WindowExceeded,
    /// <summary>The peer sent data after its own FIN: protocol error.</summary>
    DataAfterFin,
}
