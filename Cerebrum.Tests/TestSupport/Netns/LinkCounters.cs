namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>Packets through one direction of a link: delivered, dropped by the configured loss, dropped because the queue was full, refused by the receiving side.</summary>
internal sealed record LinkCounters(long Forwarded, long Dropped, long Overflowed, long Failed);
