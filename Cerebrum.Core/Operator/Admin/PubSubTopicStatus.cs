namespace Cerebrum.Core.Operator.Admin;

/// <summary>One joined topic as <c>GET /status</c> and <c>GET /pubsub</c> show it.</summary>
public sealed record PubSubTopicStatus(string Topic, int MeshPeers, int TopicPeers, long MessagesReceived);
