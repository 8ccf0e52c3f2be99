using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Core.Verification;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// <c>GET /validator/checks</c>: in validator mode, the checks this validator ran lately (from its
/// <see cref="ValidatorCheckLog"/>, newest first, at most <c>?limit=N</c>, default 100) and the attestations it signed that
/// the ledger holds; 404 outside validator mode.
/// </summary>
public static class ValidatorEndpoints
{
    private const int DefaultLimit = 100;

    public static IEndpointRouteBuilder MapValidatorEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.ValidatorChecks, (HttpContext http, PrivateKey identity, int? limit) =>
        {
            if (http.RequestServices.GetService<NodeVerifierService>()?.Verifier is not { } verifier
                || http.RequestServices.GetService<ChainService>() is not { } chain)
                return Results.Json(new AdminError("this daemon is not in validator mode: it runs no checks"), statusCode: StatusCodes.Status404NotFound);
            if (limit is < 1 or > ValidatorCheckLog.DefaultCapacity)
                return Results.Json(new AdminError($"limit must be 1 to {ValidatorCheckLog.DefaultCapacity}, not {limit}"), statusCode: StatusCodes.Status400BadRequest);
            var checks = verifier.Checks.Snapshot().Reverse().Take(limit ?? DefaultLimit).Select(Describe).ToList();
            var self = identity.PeerId;
            var signed = new List<ValidatorAttestationResponse>();
            foreach (var (node, _) in chain.Chain.ListNodes())
                foreach (var kind in new[] { CheckKind.Hardware, CheckKind.Latency, CheckKind.Canary })
                    foreach (var a in chain.Chain.GetNodeAttestations(node, kind).Attestations.Where(a => a.Validator.Span.SequenceEqual(self.Bytes.Span)))
                        signed.Add(new ValidatorAttestationResponse(node.ToString(), KindName(kind), VerdictName(a.Verdict), a.Height, a.ThroughputMflops, a.RttMicros,
                            a.CanaryPassed, a.CanaryFailed, a.Detail));
            return Results.Ok(new ValidatorChecksResponse(self.ToString(), checks, [.. signed.OrderByDescending(a => a.Height)]));
        });
        return endpoints;
    }

    private static ValidatorCheckResponse Describe(ValidatorCheck check)
    {
        var a = check.Attestation;
        return new ValidatorCheckResponse(check.Time.UtcDateTime, check.Node.ToString(), KindName(check.Kind), a is null ? "error" : VerdictName(a.Verdict),
            a?.Height ?? 0, a?.ThroughputMflops ?? 0, a?.ThroughputPermille ?? 0, a?.RttMicros ?? 0, a?.ProbesAnswered ?? 0, a?.ProbesSent ?? 0,
            a?.CanaryPassed ?? 0, a?.CanaryFailed ?? 0, a?.Detail ?? check.Error ?? "");
    }

    private static string KindName(CheckKind kind) => kind.ToString().ToLowerInvariant();

    private static string VerdictName(CheckVerdict verdict) => verdict.ToString().ToLowerInvariant();
}
