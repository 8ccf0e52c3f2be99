using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference;

/// <summary>A request checked against its model's signature and limits, with what it will cost, not yet run.</summary>
public sealed class PreparedInference
{
    internal PreparedInference(InferenceRequest request, LoadedModel model, RequestCost cost)
    {
        Request = request;
        Model = model;
        Cost = cost;
    }

    public InferenceRequest Request { get; }

    public RequestCost Cost { get; }

    internal LoadedModel Model { get; }
}
