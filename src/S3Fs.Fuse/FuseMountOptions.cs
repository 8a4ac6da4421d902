namespace S3Fs.Fuse;

/// <summary>
/// Everything a FUSE mount needs besides the filesystem itself. The CLI builds it from the options file /
/// <c>-o</c> options; defaults are chosen for an S3-backed filesystem and each is explained.
/// </summary>
public sealed record FuseMountOptions
{
    /// <summary>The type shown in /proc/mounts is <c>fuse.s3cfs</c> (never <c>fuse.s3fs</c>: that belongs to s3fs-fuse).</summary>
    public const string Subtype = "s3cfs";

    /// <summary>
    /// Largest read and write request: 1 MiB, the most libfuse 3.x can carry (256 pages of 4 KiB). Large requests
    /// cut per-request overhead on the kernel round trip, which matters when every miss is an S3 GET.
    /// </summary>
    public const int MaxIoSize = 1024 * 1024;

    /// <summary>An existing, empty directory.</summary>
    public required string MountPoint { get; init; }

    /// <summary>Source column of /proc/mounts, conventionally <c>s3cfs:&lt;bucket&gt;</c>.</summary>
    public string FsName { get; init; } = Subtype;

    /// <summary>Let users other than the mounting one access the mount (non-root needs user_allow_other in /etc/fuse.conf).</summary>
    public bool AllowOther { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>Let the kernel check permissions from the mode bits, as local filesystems do. The core does no checks of its own.</summary>
    public bool DefaultPermissions { get; init; } = true;

    /// <summary>
    /// libfuse worker threads (0 = libfuse's default, 10). Workers only translate and hand off, never wait for
    /// S3, so a handful keeps up with the kernel; more only help when many requests arrive in the same instant.
    /// </summary>
    public int MaxThreads { get; init; }

    /// <summary>Idle workers kept alive (-1 = libfuse's default).</summary>
    public int MaxIdleThreads { get; init; } = -1;

    /// <summary>One /dev/fuse clone per worker (may reduce contention on the device with many cores).</summary>
    public bool CloneFd { get; init; }

    /// <summary>
    /// Requests handed to the core and not yet answered. Each may hold one buffer of up to <see cref="MaxIoSize"/>,
    /// so 128 bounds the adapter's buffers at 128 MiB while still allowing ten times the kernel's default
    /// readahead concurrency (12). When reached, libfuse workers wait for a slot (they are not pool threads).
    /// </summary>
    public int MaxInFlightRequests { get; init; } = 128;

    /// <summary>
    /// Every readdir is a readdirplus (entries with attributes), instead of the kernel's adaptive choice, which sends
    /// attributes only for a directory's first chunk and after lookups, so <c>ls -l</c> of a large directory looks up
    /// nearly every name one request at a time. Right when the filesystem produces attributes without extra cost.
    /// </summary>
    public bool ReaddirPlusAlways { get; init; }

    /// <summary>Kernel limit on concurrent background requests (readahead, async direct I/O); 0 keeps the kernel default (12).</summary>
    public int MaxBackground { get; init; }

    /// <summary>
    /// How long the kernel may cache attributes returned by getattr/setattr (IFileSystem.GetAttrAsync returns no
    /// timeout of its own; lookups use EntryReply's). One second matches the kernel's own default for FUSE.
    /// </summary>
    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>libfuse's own request trace (-d), written to the logger at Debug level.</summary>
    public bool Debug { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, each with what to change.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(MountPoint))
        {
            errors.Add("mount point: empty; give the directory to mount on");
        }
        else if (!Path.IsPathFullyQualified(MountPoint))
        {
            errors.Add($"mount point '{MountPoint}': must be an absolute path");
        }
        else if (IsListedAsMount(MountPoint) && UnreadableReason(MountPoint) is { } reason)
        {
            // Typically a FUSE mount whose process died: the kernel may still answer stat from its cache, but
            // opening the directory fails (transport endpoint is not connected).
            errors.Add($"mount point '{MountPoint}': already a mount point that cannot be read ({reason}); if its filesystem process is gone, unmount it first: fusermount3 -u -z {MountPoint}");
        }
        else if (!Directory.Exists(MountPoint))
        {
            errors.Add($"mount point '{MountPoint}': no such directory; create it first (mkdir -p)");
        }

        if (string.IsNullOrEmpty(FsName) || FsName.Contains('\0', StringComparison.Ordinal) || FsName.Any(char.IsWhiteSpace))
        {
            errors.Add($"fsname '{FsName}': must be non-empty without spaces (it becomes the source in /proc/mounts)");
        }

        if (MaxThreads < 0 || MaxThreads > 1024)
        {
            errors.Add($"max threads {MaxThreads}: must be 0 (libfuse default) to 1024");
        }

        if (MaxIdleThreads < -1 || MaxIdleThreads > 1024)
        {
            errors.Add($"max idle threads {MaxIdleThreads}: must be -1 (libfuse default) to 1024");
        }

        if (MaxInFlightRequests < 1 || MaxInFlightRequests > 65536)
        {
            errors.Add($"max in-flight requests {MaxInFlightRequests}: must be 1 to 65536");
        }

        if (MaxBackground < 0 || MaxBackground > 65535)
        {
            errors.Add($"max background {MaxBackground}: must be 0 (kernel default) to 65535");
        }

        if (AttrTimeout < TimeSpan.Zero)
        {
            errors.Add($"attribute timeout {AttrTimeout}: must not be negative");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid FUSE mount options: " + string.Join("; ", errors));
        }
    }

    /// <summary>Whether /proc/self/mounts lists <paramref name="path"/> as a mount point (fields escape space, tab, newline and backslash as octal).</summary>
    private static bool IsListedAsMount(string path)
    {
        const string Mounts = "/proc/self/mounts";
        if (!File.Exists(Mounts))
        {
            return false;
        }

        string trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        foreach (string line in File.ReadLines(Mounts))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 1 && Unescape(fields[1]) == trimmed)
            {
                return true;
            }
        }

        return false;
    }

    private static string? UnreadableReason(string directory)
    {
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal)
             .Replace("\\011", "\t", StringComparison.Ordinal)
             .Replace("\\012", "\n", StringComparison.Ordinal)
             .Replace("\\134", "\\", StringComparison.Ordinal);
}
