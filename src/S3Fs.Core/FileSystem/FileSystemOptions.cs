namespace S3Fs.Core.FileSystem;

/// <summary>Settings of one mounted filesystem that are not about content (see the content layer for those).</summary>
public sealed record FileSystemOptions
{
    /// <summary>Key prefix of the mount root: empty or ending in '/'.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Owner shown for objects that carry no <c>uid</c> (and given to new files when the caller is unknown).</summary>
    public uint Uid { get; init; }

    public uint Gid { get; init; }

    /// <summary>Permission bits for files that carry no <c>mode</c>.</summary>
    public uint FileMode { get; init; } = Convert.ToUInt32("644", 8);

    /// <summary>Permission bits for directories that carry no <c>mode</c> (implicit prefixes included).</summary>
    public uint DirectoryMode { get; init; } = Convert.ToUInt32("755", 8);

    /// <summary>Refuse every change with ReadOnly.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// How long a directory listing is reused before S3 is listed again. Changes made through this mount update
    /// the cached listing at once; the TTL bounds how long changes made by other clients stay invisible.
    /// </summary>
    public TimeSpan ListingTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the kernel may cache a name-to-inode entry (same reasoning as <see cref="ListingTtl"/>).</summary>
    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the kernel may cache attributes.</summary>
    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the kernel may remember that a name does not exist. Short: another client may create it, and
    /// a create through this mount invalidates it anyway.
    /// </summary>
    public TimeSpan NegativeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where the attributes of names first seen in a listing come from. True: from the listing itself:
    /// size, type and last-modified time, with the mount's default mode and owner; no HEAD per entry, so a cold
    /// <c>ls -l</c> costs what the listing costs. A mode, owner or time set with chmod, chown or touch is then shown
    /// once the name is looked up directly or changed through this mount, not in a listing. Names a listing cannot
    /// type (a 1 to 4095-byte object may be a symlink) are still read with a HEAD. False (the default): every name's stored
    /// attributes are read (one HEAD per name, parallel) before the kernel sees them: exact modes, owners and times,
    /// as multi-user mounts need for permission checks.
    /// </summary>
    public bool AttributesFromListings { get; init; }

    /// <summary>
    /// Whether readdir keeps each directory's stored file attributes in one index object under <c>.s3cfs/attrs/</c>
    /// (FILE-FORMAT.md section 7), so that the next mount lists a directory with one GET instead of one HEAD per
    /// name. Entries are used only for the object version they were read from. Read-only mounts use indexes but never
    /// write them. On by default.
    /// </summary>
    public bool AttributeIndex { get; init; } = true;

    /// <summary>
    /// A clean file of at most this many bytes that is being read at random (<see cref="RandomReadsBeforeFill"/>
    /// reads that did not continue the previous one, more than those that did) is copied whole into the kernel's page
    /// cache in the background, where the adapter provides one (<see cref="IFileSystem.KernelPageCache"/>), so that
    /// its reads stop costing a request each: the blocks not yet read are fetched once in large parallel GETs, and
    /// the blocks each read brings in are stored whole. Stopped before the file can change (an open for writing, a
    /// truncation) and at its last close. 0 disables.
    /// </summary>
    public long RandomReadFillMaxSize { get; init; } = 2L << 30;

    /// <summary>Random reads of one file before its page cache fill starts (see <see cref="RandomReadFillMaxSize"/>).</summary>
    public int RandomReadsBeforeFill { get; init; } = 8;

    /// <summary>Parallel S3 requests for one directory rename or recursive operation.</summary>
    public int MaxParallelCopies { get; init; } = 16;

    /// <summary>Capacity reported by statfs (S3 has no real limit; tools such as df and cp want a number).</summary>
    public long ReportedCapacityBytes { get; init; } = 1L << 50;

    /// <summary>S3 caps keys at 1024 bytes of UTF-8.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>POSIX NAME_MAX; fewer when the mount prefix leaves less room in a 1024-byte key.</summary>
    public int MaxNameLength => Math.Min(255, MaxKeyBytes - System.Text.Encoding.UTF8.GetByteCount(Prefix) - 1);
}
