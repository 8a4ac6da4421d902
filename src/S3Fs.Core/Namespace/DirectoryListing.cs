using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Namespace;

/// <summary>One child of a directory as a listing shows it.</summary>
internal sealed record ListedChild(string Name, FileKind Kind, long ObjectSize, ETag ETag, DateTimeOffset LastModified)
{
    /// <summary>Key of the object behind the child (files), or null for a directory (a prefix).</summary>
    public string? ObjectKey { get; init; }
}

/// <summary>
/// A cached listing of one directory: its children by name, and when it was fetched. Changes made through this
/// mount are applied to it directly so they are visible at once; it is refetched when older than the TTL.
/// Instances are mutated only under the inode table lock.
/// </summary>
internal sealed class DirectoryListing
{
    public DirectoryListing(DateTimeOffset fetchedAt, SortedDictionary<string, ListedChild> children)
    {
        FetchedAt = fetchedAt;
        Children = children;
    }

    public DateTimeOffset FetchedAt { get; }

    public SortedDictionary<string, ListedChild> Children { get; }

    public bool IsFresh(DateTimeOffset now, TimeSpan ttl) => now - FetchedAt < ttl;
}
