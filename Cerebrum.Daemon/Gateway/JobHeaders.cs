using Cerebrum.Core.Gateway;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Who answered a job and what it signed, on every successful inference answer: <c>X-Cerebrum-Node</c> (the node's peer
/// ID) and <c>X-Cerebrum-Receipt</c>, the node's receipt that the gateway verified before answering, as a structured-field
/// dictionary (RFC 8941): <c>job="…", model="sha256:…", input=:base64:, output=:base64:, signature=:base64:</c>, the
/// SHA-256 of the inputs and raw outputs and the node's signature over them (see docs/protocols.md).
/// </summary>
public static class JobHeaders
{
    public const string Node = "X-Cerebrum-Node";
    public const string Receipt = "X-Cerebrum-Receipt";

    public static void Add(HttpResponse response, DispatchResult dispatch)
    {
        ServerTimingHeader.Add(response, dispatch.Result);
        response.Headers[Node] = dispatch.Node.ToString();
        if (dispatch.Result.Receipt is { } receipt)
        {
            response.Headers[Receipt] = $"job=\"{dispatch.Result.JobId}\", model=\"{dispatch.Result.ModelHash}\", "
                + $"input=:{Convert.ToBase64String(receipt.InputHash.Span)}:, output=:{Convert.ToBase64String(receipt.OutputHash.Span)}:, "
                + $"signature=:{Convert.ToBase64String(receipt.Signature.Span)}:";
        }
    }
}
