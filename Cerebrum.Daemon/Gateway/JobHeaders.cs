using System.Globalization;
using Cerebrum.Core.Gateway;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Who answered a job and what it signed, on every successful inference answer: <c>X-Cerebrum-Node</c> (the node's peer
/// ID) and <c>X-Cerebrum-Receipt</c>, the node's receipt that the gateway verified before answering, as a structured-field
/// dictionary (RFC 8941): <c>job="…", model="sha256:…", input=:base64:, output=:base64:</c> (the SHA-256 of the inputs and
/// raw outputs), the receipt's binding <c>requester="PEER", time=UNIX_MS, price=MICRO_CER, nonce=:base64:</c> with the
/// job id it makes <c>bound-job="…"</c>, the receipt's hash <c>receipt=:base64:</c> and <c>signature=:base64:</c>, the
/// node's signature over all of it: a client holding the node's key can rebuild the signed bytes and check the whole
/// receipt (see docs/protocols.md).
/// </summary>
public static class JobHeaders
{
    public const string Node = "X-Cerebrum-Node";
    public const string Receipt = "X-Cerebrum-Receipt";

    private const ulong MaxStructuredInteger = 999_999_999_999_999;

    public static void Add(HttpResponse response, DispatchResult dispatch)
    {
        ServerTimingHeader.Add(response, dispatch.Result);
        response.Headers[Node] = dispatch.Node.ToString();
        if (dispatch.Result.Receipt is { } receipt)
        {
            var header = $"job=\"{dispatch.Result.JobId}\", model=\"{dispatch.Result.ModelHash}\", "
                + $"input=:{Convert.ToBase64String(receipt.InputHash.Span)}:, output=:{Convert.ToBase64String(receipt.OutputHash.Span)}:, ";
            if (dispatch.Result.Binding is { } binding)
            {
                // RFC 8941 integers have at most 15 digits: a larger price (above 10^15 micro-CER) goes as a string of digits.
                var price = binding.Price <= MaxStructuredInteger ? binding.Price.ToString(CultureInfo.InvariantCulture) : $"\"{binding.Price}\"";
                header += $"requester=\"{binding.Requester}\", time={binding.Time.ToUnixTimeMilliseconds()}, price={price}, "
                    + $"nonce=:{Convert.ToBase64String(binding.NodeNonce)}:, bound-job=\"{binding.BoundJobId}\", receipt=:{Convert.ToBase64String(binding.ReceiptHash)}:, ";
            }
            response.Headers[Receipt] = header + $"signature=:{Convert.ToBase64String(receipt.Signature.Span)}:";
        }
    }
}
