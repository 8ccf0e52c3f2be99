using System.Diagnostics;
using Cerebrum.Core.Inference.Protocol.Proto;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// The W3C trace context carried by an <see cref="InferRequest"/> (fields <c>trace_parent</c>, <c>trace_state</c>), so
/// that the node's spans join the caller's trace. Only a Cerebrum span is propagated (a gateway that traces: its attempt
/// span, sampled or not, so the node follows its sampling decision); ASP.NET Core's request activity, which exists for
/// its logging even when tracing is off, is not, so an untraced caller sends nothing and a tracing node samples alone.
/// </summary>
public static class InferTraceContext
{
    /// <summary>Longest accepted values; a W3C traceparent is 55 characters, a tracestate at most 512.</summary>
    public const int MaxTraceParentLength = 128;

    public const int MaxTraceStateLength = 512;

    private const string OurSourcePrefix = "Cerebrum.";

    /// <summary>Writes the current Cerebrum span's context into <paramref name="request"/>, if there is one.</summary>
    public static void Inject(InferRequest request)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } activity
            || !activity.Source.Name.StartsWith(OurSourcePrefix, StringComparison.Ordinal))
            return;
        request.TraceParent = activity.Id;
        if (activity.TraceStateString is { Length: > 0 and <= MaxTraceStateLength } state)
            request.TraceState = state;
    }

    /// <summary>The caller's span context, marked remote; default when the request carries none or one that does not parse (a bad one is ignored, not an error).</summary>
    public static ActivityContext Extract(InferRequest request)
    {
        var parent = request.TraceParent;
        if (parent.Length is 0 or > MaxTraceParentLength) return default;
        var state = request.TraceState.Length is > 0 and <= MaxTraceStateLength ? request.TraceState : null;
        return ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }
}
