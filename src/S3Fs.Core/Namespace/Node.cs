using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Namespace;

/// <summary>
/// What S3 holds for a name, as last seen: from a listing (size, ETag, time; no metadata) or from a HEAD (with
/// metadata). <see cref="Metadata"/> is null until a HEAD or our own write supplied it.
/// </summary>
internal sealed record ObjectState(string Key, long ObjectSize, ETag ETag, DateTimeOffset LastModified, ObjectMetadata? Metadata)
{
    /// <summary>
    /// The stored attributes from the directory's attribute index, for this version (only while <see cref="Metadata"/>
    /// is null): enough to show the file, never to open or rewrite it (the envelope is not in the index).
    /// </summary>
    public IndexedEntry? Indexed { get; init; }

    /// <summary>
    /// When <see cref="Metadata"/> was read from S3, if known: it decides whether the metadata may go into an attribute
    /// index. It describes this state only while it names the same metadata instance (a copy made with other metadata
    /// carries a stale stamp, which <see cref="ReadStamp.Describes"/> then rejects).
    /// </summary>
    public ReadStamp? Read { get; init; }

    public static ObjectState FromInfo(ObjectInfo info) => new(info.Key, info.Size, info.ETag, info.LastModified, info.Metadata);

    /// <summary>The index entry that describes this version, if there is one and no metadata was read since.</summary>
    public IndexedEntry? ValidIndexed => Metadata is null && Indexed is { } e && e.Describes(ETag, ObjectSize, LastModified) ? e : null;
}

/// <summary>Metadata read from S3 by a request sent after the server's clock showed <paramref name="ServerDate"/>.</summary>
internal sealed record ReadStamp(ObjectMetadata Metadata, DateTimeOffset ServerDate)
{
    public bool Describes(ObjectState state) => ReferenceEquals(state.Metadata, Metadata);
}

/// <summary>
/// One inode. Locking: the tree fields (<see cref="Parent"/>, <see cref="Name"/>, <see cref="Lookups"/>,
/// <see cref="OpenHandles"/>, <see cref="Unlinked"/>) are guarded by the <see cref="InodeTable"/> lock; the object
/// and content fields by <see cref="Gate"/>, an async lock held across S3 calls that change this inode (open,
/// upload, attribute changes), never while taking the table lock for long. Lock order: Gate, then table lock.
/// </summary>
internal sealed class Node
{
    public Node(long inode, Node? parent, string name, FileKind kind)
    {
        Inode = inode;
        Parent = parent;
        Name = name;
        Kind = kind;
    }

    public long Inode { get; }

    public FileKind Kind { get; }

    public Node? Parent { get; set; }

    public string Name { get; set; }

    /// <summary>Kernel references (lookups minus forgets).</summary>
    public ulong Lookups { get; set; }

    public int OpenHandles { get; set; }

    /// <summary>Removed from the namespace while still open: content is dropped at the last release.</summary>
    public bool Unlinked { get; set; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>What S3 holds; null for a file created here and not uploaded yet, or an implicit directory.</summary>
    public ObjectState? Object { get; set; }

    /// <summary>Attributes set locally and not yet stored (new files, changes to dirty files).</summary>
    public PosixAttributes? PendingAttributes { get; set; }

    /// <summary>Open or dirty content of a regular file.</summary>
    public IFileContent? Content { get; set; }

    /// <summary>The target of a symlink, once known.</summary>
    public string? SymlinkTarget { get; set; }

    /// <summary>A directory whose marker object was looked for and not found (a bare prefix): its attributes are the defaults.</summary>
    public bool ImplicitDirectory { get; set; }

    /// <summary>Until when a lookup miss in this directory does not try to list it whole (it was found too large).</summary>
    public DateTimeOffset LargeDirectoryUntil { get; set; }

    /// <summary>Listing cache of a directory.</summary>
    public DirectoryListing? Listing { get; set; }

    /// <summary>
    /// A directory's attribute index as read from S3 (null result: none, or unusable), loaded alongside a full
    /// listing and replaced with the next one. Guarded by the <see cref="InodeTable"/> lock.
    /// </summary>
    public Task<AttributeIndex?>? AttributeIndex { get; set; }

    /// <summary>Children of this directory whose metadata a listing had to read since its attribute index was loaded.</summary>
    public int UnindexedReads { get; set; }

    /// <summary>
    /// A full listing of this directory started by readdir and not finished yet (completes, never faults, when it is
    /// installed or has failed): lookups wait for it instead of probing names the listing is about to show.
    /// </summary>
    public Task? ListingInProgress { get; set; }

    /// <summary>Guards <see cref="PageFill"/>, <see cref="WriteHandles"/> and the read counters (short, never across I/O).</summary>
    public Lock FillLock { get; } = new();

    /// <summary>The copy of this file into the kernel's page cache, while one runs (see FileSystemOptions.RandomReadFillMaxSize).</summary>
    public IPageCacheFill? PageFill { get; set; }

    /// <summary>Handles open for writing: while there are any, the page cache is not filled.</summary>
    public int WriteHandles { get; set; }

    /// <summary>Reads that did not continue the handle's previous read, and reads that did (since the last fill stopped).</summary>
    public int RandomReads { get; set; }

    public int SequentialReads { get; set; }

    /// <summary>The version the kernel's page cache holds for this file (decides keep_cache at open).</summary>
    public ObjectVersion? LastOpenedVersion { get; set; }

    /// <summary>Whether <see cref="PendingAttributes"/>.XAttrs replaces the stored set (it may be empty: all removed).</summary>
    public bool XAttrsChanged { get; set; }

    /// <summary>When this inode's attributes were last changed locally (ctime for objects without one).</summary>
    public DateTimeOffset LocalChangeTime { get; set; }

    public bool IsRoot => Parent is null;

    public override string ToString() => $"inode {Inode} '{Name}' ({Kind})";
}
