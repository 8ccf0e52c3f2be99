using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Core.Gateway;

/// <summary>A job's verified answer, which node gave it, and after how many attempts.</summary>
public sealed record DispatchResult(InferCallResult Result, PeerId Node, ServedModel Model, int Attempts);
