namespace Cerebrum.Core.Common;

/// <summary>A store file (LiteDB) whose contents cannot be read: damaged, or not the kind of file expected.</summary>
public sealed class StoreDamagedException(string path, Exception inner)
    : IOException($"{path} is damaged or is not a Cerebrum store ({inner.GetType().Name}: {inner.Message}); restore it from a backup, or move it away to start it afresh", inner)
{
    public string Path { get; } = path;
}
