namespace S3Fs.Core.Maintenance;

/// <summary>
/// Which objects a maintenance run walks: everything under the mount prefix, or only a sub-path of it (a folder, or
/// a single file). Objects under <c>.s3cfs/</c> (the volume's own metadata) and directory markers are never part of
/// a run: they hold no file content.
/// </summary>
public sealed record MaintenanceScope
{
    /// <param name="mountPrefix">The mount's prefix: empty, or ending in '/'.</param>
    /// <param name="subPath">Relative path under the mount ('' for all); a trailing '/' is ignored.</param>
    public MaintenanceScope(string mountPrefix, string subPath = "")
    {
        ArgumentNullException.ThrowIfNull(mountPrefix);
        ArgumentNullException.ThrowIfNull(subPath);
        if (mountPrefix.Length > 0 && !mountPrefix.EndsWith('/'))
        {
            throw new ArgumentException($"A mount prefix ends in '/'; got '{mountPrefix}'.", nameof(mountPrefix));
        }

        MountPrefix = mountPrefix;
        SubPath = subPath.Trim('/');
    }

    public string MountPrefix { get; }

    /// <summary>The sub-path without leading or trailing '/'; empty for the whole mount.</summary>
    public string SubPath { get; }

    /// <summary>The ListObjectsV2 prefix: the mount prefix plus the sub-path (without a '/', so a single file matches too).</summary>
    public string ListPrefix => MountPrefix + SubPath;

    /// <summary>The key relative to the mount prefix.</summary>
    public string PathOf(string key) => key[MountPrefix.Length..];

    /// <summary>
    /// Where a listed key stands: inside the sub-path (the path itself, or below it as a folder; so sub-path 'a'
    /// takes 'a' and 'a/x' but not 'ab') and holding file content (<see cref="KeyClass.Include"/>), inside but
    /// internal or a directory marker (<see cref="KeyClass.Skip"/>), or outside the scope.
    /// </summary>
    public KeyClass Classify(string key, long size)
    {
        if (!key.StartsWith(MountPrefix, StringComparison.Ordinal))
        {
            return KeyClass.Outside;
        }

        var path = PathOf(key);
        if (SubPath.Length > 0 && path != SubPath && !path.StartsWith(SubPath + "/", StringComparison.Ordinal))
        {
            return KeyClass.Outside;
        }

        return IsInternal(path) || IsDirectoryMarker(path, size) ? KeyClass.Skip : KeyClass.Include;
    }

    /// <summary>Anything under a <c>.s3cfs/</c> folder (this volume's, or a nested volume's) is the volume's own metadata.</summary>
    public static bool IsInternal(string path) =>
        path.StartsWith(".s3cfs/", StringComparison.Ordinal) || path.Contains("/.s3cfs/", StringComparison.Ordinal);

    /// <summary>
    /// A folder marker: <c>name/</c> (s3fs-fuse, the AWS console), or s3fs-fuse's legacy empty <c>name_$folder$</c>.
    /// A key ending in '/' can never be a file, whatever its size.
    /// </summary>
    public static bool IsDirectoryMarker(string path, long size) =>
        path.Length == 0 || path.EndsWith('/') || (size == 0 && path.EndsWith(Namespace.DirectoryLister.LegacyFolderSuffix, StringComparison.Ordinal));
}

/// <summary>How <see cref="MaintenanceScope.Classify"/> sees a listed key.</summary>
public enum KeyClass
{
    /// <summary>A file of the run.</summary>
    Include,

    /// <summary>In scope but not a file: a directory marker or the volume's own metadata. Left alone.</summary>
    Skip,

    /// <summary>Not under the run's path (a listing by prefix also returns 'ab' for path 'a').</summary>
    Outside,
}
