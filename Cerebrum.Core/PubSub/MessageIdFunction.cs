using Cerebrum.Core.PubSub.Proto;

namespace Cerebrum.Core.PubSub;

/// <summary>Computes the id of a message; configurable per topic.</summary>
public delegate MessageId MessageIdFunction(Message message);
