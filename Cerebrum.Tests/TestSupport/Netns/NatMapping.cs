namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>How a <see cref="NatRouter"/> maps its private hosts' connections to its public address.</summary>
internal enum NatMapping
{
    /// <summary>
    /// Linux's plain MASQUERADE: a connection keeps its source port when the public tuple is free, so one private port
    /// maps to the same public port whatever the destination (RFC 4787's endpoint-independent mapping). Hole punching
    /// works through it.
    /// </summary>
    EndpointIndependent,

    /// <summary>
    /// MASQUERADE <c>--random-fully</c>: every connection gets a random public port, so the port a peer observed is not
    /// the one a punch leaves from (a symmetric NAT). Hole punching cannot work through it.
    /// </summary>
    Symmetric,
}
