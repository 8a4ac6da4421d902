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
/// <remarks>
/// The children are a sorted list, not a tree: a listing is filled once in name order and then read far more often
/// than it changes, and <see cref="ChildrenFrom"/> (the names after a looked-up one, for every lookup of an
/// <c>ls -l</c>) must not walk the directory from its start.
/// </remarks>
internal sealed class DirectoryListing
{
    public DirectoryListing(DateTimeOffset fetchedAt, IDictionary<string, ListedChild> children)
    {
        FetchedAt = fetchedAt;
        Children = new SortedList<string, ListedChild>(children, StringComparer.Ordinal);
    }

    public DateTimeOffset FetchedAt { get; }

    public SortedList<string, ListedChild> Children { get; }

    public bool IsFresh(DateTimeOffset now, TimeSpan ttl) => now - FetchedAt < ttl;

    /// <summary>Up to <paramref name="count"/> children in name order, starting at the first not before <paramref name="name"/>.</summary>
    public List<ListedChild> ChildrenFrom(string name, int count)
    {
        var keys = Children.Keys;
        int low = 0, high = keys.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (string.CompareOrdinal(keys[mid], name) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        var values = Children.Values;
        var result = new List<ListedChild>(Math.Max(0, Math.Min(count, values.Count - low)));
        for (var i = low; i < values.Count && result.Count < count; i++)
        {
            result.Add(values[i]);
        }

        return result;
    }
}
