using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Conformance;

/// <summary>What a test sees of a file: lstat, in the core's terms.</summary>
public sealed record FsStat(FileKind Kind, long Size, uint Mode, uint Uid, uint Gid, DateTimeOffset MTime);

/// <summary>
/// A failed operation, with the core's error code (a mount host translates errno back into it), so one suite
/// can assert the same errors on every host.
/// </summary>
public sealed class FsDriverException(FsErrorCode code, string message) : Exception(message)
{
    public FsErrorCode Code { get; } = code;
}

/// <summary>
/// Path-based file operations as a program makes them, implemented once per host. Paths are relative to the
/// mount root, with '/' separators. Each write operation completes only when the file is closed (and so
/// uploaded): what a program sees after close() returns.
/// </summary>
public interface IFsDriver : IAsyncDisposable
{
    /// <summary>The bucket behind the mount, for assertions on what is stored.</summary>
    IObjectStore Store { get; }

    /// <summary>Key prefix of the mount root in <see cref="Store"/> ("" or ending in '/').</summary>
    string Prefix { get; }

    Task WriteAllAsync(string path, byte[] data);

    Task<byte[]> ReadAllAsync(string path);

    /// <summary>Opens an existing file read-write, writes at offset, closes.</summary>
    Task WriteAtAsync(string path, long offset, byte[] data);

    Task<byte[]> ReadAtAsync(string path, long offset, int count);

    Task AppendAsync(string path, byte[] data);

    Task TruncateAsync(string path, long size);

    /// <summary>lstat; null when the path does not exist.</summary>
    Task<FsStat?> StatAsync(string path);

    Task MkDirAsync(string path);

    Task RmDirAsync(string path);

    Task UnlinkAsync(string path);

    Task RenameAsync(string from, string to);

    /// <summary>Names in a directory, without "." and "..", sorted ordinally.</summary>
    Task<IReadOnlyList<string>> ListAsync(string path);

    Task SymlinkAsync(string target, string path);

    Task<string> ReadLinkAsync(string path);

    Task ChmodAsync(string path, uint mode);

    Task SetMTimeAsync(string path, DateTimeOffset mtime);

    Task SetXAttrAsync(string path, string name, byte[] value);

    /// <summary>The value, or null when the attribute does not exist.</summary>
    Task<byte[]?> GetXAttrAsync(string path, string name);

    Task<IReadOnlyList<string>> ListXAttrAsync(string path);

    Task RemoveXAttrAsync(string path, string name);

    /// <summary>Unmounts (flushing everything) and mounts the same bucket prefix again with empty caches.</summary>
    Task RemountAsync();
}
