using LiteDB;

namespace Cerebrum.Core.Common;

/// <summary>
/// Opens the daemon's LiteDB files (chain.db, market.db, the model store, the gateway's keys). LiteDB reads its header
/// on open and reports a damaged one as whatever it trips on (<see cref="ArgumentException"/> "Invalid LCID code" for the
/// collation, <see cref="LiteException"/>, <see cref="InvalidCastException"/>, <see cref="NotSupportedException"/> "BSON type not supported"...); here all of it is one
/// <see cref="StoreDamagedException"/> naming the file, so that no caller mistakes it for a bug or for a file in use.
/// </summary>
public static class LiteDatabaseFile
{
    /// <exception cref="StoreDamagedException">The file is damaged or is not a LiteDB file.</exception>
    /// <exception cref="IOException">The file cannot be read or written (e.g. another process holds it).</exception>
    public static LiteDatabase Open(string path, ConnectionType connection = ConnectionType.Direct)
    {
        try
        {
            return new LiteDatabase(new ConnectionString { Filename = path, Connection = connection });
        }
        catch (Exception e) when (e is LiteException or ArgumentException or InvalidCastException or InvalidOperationException
            or IndexOutOfRangeException or NullReferenceException or OverflowException or FormatException or NotSupportedException)
        {
            throw new StoreDamagedException(path, e);
        }
    }
}
