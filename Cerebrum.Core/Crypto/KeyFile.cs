using System.Security.AccessControl;
using System.Security.Principal;

namespace Cerebrum.Core.Crypto;

/// <summary>
/// The daemon's identity key on disk: <c>DIR/identity.key</c> holds the libp2p <c>PrivateKey</c> protobuf as raw
/// bytes (the same bytes go-libp2p's <c>MarshalPrivateKey</c> produces). The file is created owner-only (mode 0600 on
/// Unix, an owner-only ACL on Windows) before any byte is written, is never overwritten, and is refused on load when
/// others could read it. The same owner-only creation serves the daemon's other secrets (the admin cookie).
/// </summary>
public static class KeyFile
{
    public const string FileName = "identity.key";

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Loads the key at <paramref name="path"/>, creating a new secp256k1 key there when there is none.</summary>
    /// <returns>The key, and whether this call created it.</returns>
    public static (PrivateKey Key, bool Created) LoadOrCreate(string path)
    {
        if (File.Exists(path))
            return (Load(path), false);
        try
        {
            return (Create(path), true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it between the check and our create-new: use theirs.
            return (Load(path), false);
        }
    }

    /// <summary>Generates a secp256k1 key and writes it to a new file; throws <see cref="IOException"/> if the file exists.</summary>
    public static PrivateKey Create(string path)
    {
        var key = PrivateKey.Generate(KeyType.Secp256k1);
        try
        {
            WriteNewOwnerOnly(path, key.ToProtobuf());
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the key. Throws <see cref="FileNotFoundException"/> when it is missing and <see cref="InvalidDataException"/>
    /// when others can read it or it is corrupt, each with a message meant for the operator.
    /// </summary>
    public static PrivateKey Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"no identity key at {path}", path);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOthers) != 0)
                throw new InvalidDataException(
                    $"identity key {path} is accessible by other users (mode {FormatMode(mode)}); it must be owner-only: chmod 600 {path}");
        }
        var bytes = File.ReadAllBytes(path);
        try
        {
            return PrivateKey.FromProtobuf(bytes);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"identity key {path} is corrupt: {e.Message}", e);
        }
    }

    /// <summary>
    /// Creates a new file readable and writable by its owner only and writes <paramref name="contents"/>; fails with
    /// <see cref="IOException"/> if the file exists. The permissions are set at creation, so the bytes are never exposed.
    /// </summary>
    public static void WriteNewOwnerOnly(string path, ReadOnlySpan<byte> contents)
    {
        using (var stream = CreateNewOwnerOnly(path))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }
    }

    private static FileStream CreateNewOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            var security = new FileSecurity();
            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            var owner = WindowsIdentity.GetCurrent().User
                ?? throw new InvalidOperationException("cannot determine the current Windows user");
            security.SetOwner(owner);
            security.AddAccessRule(new FileSystemAccessRule(owner, FileSystemRights.FullControl, AccessControlType.Allow));
            return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.ReadData,
                FileShare.None, 4096, FileOptions.None, security);
        }
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = OwnerReadWrite,
        });
    }

    private static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1ff, 8);
}
