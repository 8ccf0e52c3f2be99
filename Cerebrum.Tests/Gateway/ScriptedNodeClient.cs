using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// An <see cref="IInferNodeClient"/> whose nodes behave as each test says: by default a node adds 1 to every float of
/// its input (so answers are computed, and tell which input they came from); a node can be set to fail in a given way.
/// Records which nodes were called.
/// </summary>
internal sealed class ScriptedNodeClient : IInferNodeClient
{
    private readonly ConcurrentDictionary<PeerId, Func<CancellationToken, Task>> _behaviours = new();

    public ConcurrentQueue<PeerId> Calls { get; } = new();

    /// <summary>Makes <paramref name="node"/> run <paramref name="behaviour"/> before answering; throwing from it is the node failing.</summary>
    public void Set(PeerId node, Func<CancellationToken, Task> behaviour) => _behaviours[node] = behaviour;

    public void Fail(PeerId node, InferCallException error) => Set(node, _ => Task.FromException(error));

    public async Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        Calls.Enqueue(node);
        if (_behaviours.TryGetValue(node, out var behaviour))
            await behaviour(cancellationToken);
        var input = inputs[0];
        var output = Tensor.FromFloats("c", input.Shape, input.ToFloats().Select(v => v + 1).ToArray());
        return new InferCallResult(Guid.NewGuid().ToString("N"), modelHash, [output], TimeSpan.Zero, TimeSpan.Zero);
    }
}
