using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Gateway;

/// <summary>An answered request sampled for a second run: the model, the inputs, the node that answered and its verified answer.</summary>
/// <param name="Bytes">What it holds of the queue's byte bound (inputs and first outputs).</param>
public sealed record SecondRunRequest(string ModelHash, IReadOnlyList<Tensor> Inputs, PeerId FirstNode, InferCallResult First, long Bytes);
