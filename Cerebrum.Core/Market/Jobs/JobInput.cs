namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// One line of a job's input file: its position, its id, and the line itself (a JSON object with <c>"text"</c> for a
/// text-embedding model or <c>"inputs"</c> with KServe v2 tensors for any model; the executor reads it).
/// </summary>
public sealed record JobInput(int Index, string Id, string Line, bool IsText);
