namespace S3Fs.Core.FileSystem;

/// <summary>File type bits, as in POSIX <c>S_IFMT</c>.</summary>
public enum FileKind
{
    RegularFile,
    Directory,
    Symlink,
}

/// <summary>Attributes of an inode, in the core's own terms (adapters convert to struct stat or Win32 info).</summary>
public sealed record FileAttributes
{
    public required long Inode { get; init; }

    public required FileKind Kind { get; init; }

    /// <summary>Permission bits only (07777); the type is <see cref="Kind"/>.</summary>
    public required uint Mode { get; init; }

    public required long Size { get; init; }

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public uint LinkCount { get; init; } = 1;

    public DateTimeOffset ATime { get; init; }

    public DateTimeOffset MTime { get; init; }

    public DateTimeOffset CTime { get; init; }

    /// <summary>Preferred I/O size (the encryption block size for encrypted files).</summary>
    public int BlockSize { get; init; } = 65536;
}

/// <summary>What lookup, create, mkdir and symlink return: the inode's attributes and how long the kernel may cache them.</summary>
public sealed record EntryReply(FileAttributes Attributes, TimeSpan EntryTimeout, TimeSpan AttrTimeout)
{
    public long Inode => Attributes.Inode;
}

/// <summary>The caller of a request (for ownership of new files and permission checks).</summary>
public readonly record struct RequestContext(uint Uid, uint Gid, int Pid)
{
    public static readonly RequestContext Root = new(0, 0, 0);
}

/// <summary>Which attributes a setattr changes; null means unchanged.</summary>
public sealed record SetAttrRequest
{
    public uint? Mode { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    public long? Size { get; init; }

    public DateTimeOffset? ATime { get; init; }

    public DateTimeOffset? MTime { get; init; }

    /// <summary>Set atime to now (UTIME_NOW).</summary>
    public bool ATimeNow { get; init; }

    /// <summary>Set mtime to now (UTIME_NOW).</summary>
    public bool MTimeNow { get; init; }
}

[Flags]
public enum OpenFlags
{
    ReadOnly = 0,
    WriteOnly = 1,
    ReadWrite = 2,
    AccessModeMask = 3,
    Create = 0x40,
    Exclusive = 0x80,
    Truncate = 0x200,
    Append = 0x400,
}

[Flags]
public enum RenameFlags
{
    None = 0,

    /// <summary>Fail with AlreadyExists if the target exists.</summary>
    NoReplace = 1,

    /// <summary>Atomically swap source and target (not supported on S3).</summary>
    Exchange = 2,
}

/// <summary>An opened file or directory: the handle id and whether the kernel may keep its page cache.</summary>
public readonly record struct OpenReply(ulong Handle, bool KeepCache, bool DirectIo);

/// <summary>statfs result.</summary>
public sealed record FsStats
{
    public long BlockSize { get; init; } = 4096;

    public long TotalBlocks { get; init; }

    public long FreeBlocks { get; init; }

    public long AvailableBlocks { get; init; }

    public long TotalFiles { get; init; }

    public long FreeFiles { get; init; }

    public int MaxNameLength { get; init; } = 255;
}

/// <summary>One directory entry produced by readdir.</summary>
public readonly record struct DirectoryEntry(string Name, long Inode, FileKind Kind, long NextOffset)
{
    /// <summary>
    /// The kind is a listing's guess (a listing cannot tell a symlink from a file). A host that can report an unknown
    /// type (DT_UNKNOWN) should, so that programs such as find stat the name instead of trusting <see cref="Kind"/>.
    /// </summary>
    public bool KindGuessed { get; init; }
}

/// <summary>
/// Receives directory entries during readdir. <see cref="TryAdd"/> returns false when the reply buffer is full;
/// the core then stops and the kernel asks again from the last accepted entry's NextOffset.
/// For readdirplus, the attributes come with the entry and the entry counts as a lookup.
/// </summary>
public interface IDirectoryEntrySink
{
    /// <summary>Whether the adapter wants attributes with each entry (readdirplus).</summary>
    bool WantsAttributes { get; }

    bool TryAdd(DirectoryEntry entry, EntryReply? attributes);
}
