namespace Cerebrum.Core.PubSub;

/// <summary>Gossipsub protocol ids, in order of preference.</summary>
public static class GossipsubProtocols
{
    public const string MeshSub12 = "/meshsub/1.2.0";
    public const string MeshSub11 = "/meshsub/1.1.0";
    public const string MeshSub10 = "/meshsub/1.0.0";

    public static IReadOnlyList<string> All { get; } = [MeshSub12, MeshSub11, MeshSub10];

    public static bool TryParse(string protocol, out GossipsubVersion version)
    {
        switch (protocol)
        {
            case MeshSub12: version = GossipsubVersion.V1_2; return true;
            case MeshSub11: version = GossipsubVersion.V1_1; return true;
            case MeshSub10: version = GossipsubVersion.V1_0; return true;
            default: version = default; return false;
        }
    }
}
