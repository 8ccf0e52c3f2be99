using System.Diagnostics;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// The Gateway layer's activity source and span names (see <see cref="Inference.InferenceTracing"/> for how tracing is
/// switched and why one static source). The HTTP request's span above <see cref="Dispatch"/> is ASP.NET Core's.
/// </summary>
public static class GatewayTracing
{
    public const string SourceName = "Cerebrum.Gateway";

    /// <summary>Internal span: one request's dispatch, every attempt included; tags model, attempts and outcome.</summary>
    public const string Dispatch = "gateway.dispatch";

    /// <summary>Internal span: choosing the node for one attempt; tags the candidates and the node chosen.</summary>
    public const string Select = "gateway.select";

    /// <summary>Client span: one attempt on one node (its context travels in the infer request); tags node, attempt number and outcome.</summary>
    public const string Attempt = "gateway.attempt";

    /// <summary>The market's payment checks hang here as children of <see cref="Attempt"/> once payments exist (issue 14).</summary>
    public const string Payment = "gateway.payment";

    internal static readonly ActivitySource Source = new(SourceName);
}
