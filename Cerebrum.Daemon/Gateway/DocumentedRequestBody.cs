using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Endpoint metadata naming the JSON body type of a handler that reads its body itself (to report precise errors and
/// enforce the size limit). Unlike <c>Accepts</c>, it does not make routing depend on the Content-Type header, so a
/// client that omits it still reaches the endpoint; it only documents the body in the OpenAPI document.
/// </summary>
public sealed class DocumentedRequestBody(Type bodyType)
{
    public Type BodyType { get; } = bodyType;

    public static async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedRequestBody>().FirstOrDefault() is not { } body)
            return;
        var schema = await context.GetOrCreateSchemaAsync(body.BodyType, null, cancellationToken);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };
    }
}
