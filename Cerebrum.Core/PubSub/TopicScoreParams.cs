namespace Cerebrum.Core.PubSub;

/// <summary>Per-topic score parameters P₁–P₄ (gossipsub-v1.1, "Overview of New Parameters").</summary>
public sealed record TopicScoreParams
{
    public double TopicWeight { get; init; } = 1;

    // P1: time in mesh.
    public double TimeInMeshWeight { get; init; } = 0.01;
    public TimeSpan TimeInMeshQuantum { get; init; } = TimeSpan.FromSeconds(1);
    public double TimeInMeshCap { get; init; } = 3600;

    // P2: first message deliveries.
    public double FirstMessageDeliveriesWeight { get; init; } = 1;
    public double FirstMessageDeliveriesDecay { get; init; } = 0.5;
    public double FirstMessageDeliveriesCap { get; init; } = 100;

    // P3: mesh message delivery rate. Off by default: its threshold depends on the topic's message rate.
    public double MeshMessageDeliveriesWeight { get; init; }
    public double MeshMessageDeliveriesDecay { get; init; } = 0.5;
    public double MeshMessageDeliveriesThreshold { get; init; } = 1;
    public double MeshMessageDeliveriesCap { get; init; } = 10;
    public TimeSpan MeshMessageDeliveriesActivation { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan MeshMessageDeliveryWindow { get; init; } = TimeSpan.FromMilliseconds(10);

    // P3b: mesh failure penalty.
    public double MeshFailurePenaltyWeight { get; init; }
    public double MeshFailurePenaltyDecay { get; init; } = 0.5;

    // P4: invalid messages.
    public double InvalidMessageDeliveriesWeight { get; init; } = -10;
    public double InvalidMessageDeliveriesDecay { get; init; } = 0.9;

    /// <exception cref="ArgumentException">A parameter violates a constraint of the spec.</exception>
    public void Validate(string topic)
    {
        Require(TopicWeight >= 0, "topic weight must not be negative");
        Require(TimeInMeshWeight >= 0, "P1 weight must not be negative");
        Require(TimeInMeshWeight == 0 || TimeInMeshQuantum > TimeSpan.Zero, "P1 quantum must be positive");
        Require(TimeInMeshWeight == 0 || TimeInMeshCap > 0, "P1 cap must be positive");
        Require(FirstMessageDeliveriesWeight >= 0, "P2 weight must not be negative");
        Require(FirstMessageDeliveriesWeight == 0 || IsDecay(FirstMessageDeliveriesDecay), "P2 decay must be in (0, 1)");
        Require(FirstMessageDeliveriesWeight == 0 || FirstMessageDeliveriesCap > 0, "P2 cap must be positive");
        Require(MeshMessageDeliveriesWeight <= 0, "P3 weight must not be positive");
        if (MeshMessageDeliveriesWeight != 0)
        {
            Require(IsDecay(MeshMessageDeliveriesDecay), "P3 decay must be in (0, 1)");
            Require(MeshMessageDeliveriesThreshold > 0, "P3 threshold must be positive");
            Require(MeshMessageDeliveriesCap >= MeshMessageDeliveriesThreshold, "P3 cap must be at least the threshold");
            Require(MeshMessageDeliveriesActivation >= TimeSpan.FromSeconds(1), "P3 activation must be at least 1 s");
            Require(MeshMessageDeliveryWindow >= TimeSpan.Zero, "P3 window must not be negative");
        }
        Require(MeshFailurePenaltyWeight <= 0, "P3b weight must not be positive");
        Require(MeshFailurePenaltyWeight == 0 || IsDecay(MeshFailurePenaltyDecay), "P3b decay must be in (0, 1)");
        Require(InvalidMessageDeliveriesWeight <= 0, "P4 weight must not be positive");
        Require(IsDecay(InvalidMessageDeliveriesDecay), "P4 decay must be in (0, 1)");

        void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException($"invalid score parameters for topic {topic}: {message}");
        }
    }

    internal static bool IsDecay(double value) => value is > 0 and < 1;
}
