using System.Collections.Concurrent;

namespace S3Fs.Dokan;

/// <summary>
/// What the adapter knows about one Windows handle, from CreateFile to CloseFile. Dokan carries its id in
/// DOKAN_FILE_INFO.Context. The content handle of the core is opened lazily, on the first read or write: Windows
/// opens files far more often for attributes, deletion or renaming than for data, and opening content may download.
/// </summary>
internal sealed class OpenFile(ulong id, long inode, bool isDirectory, bool isLinkPlaceholder, long? heldLookup)
{
    public ulong Id { get; } = id;

    /// <summary>The inode whose data and attributes this handle reaches (a followed symlink's target).</summary>
    public long Inode { get; } = inode;

    public bool IsDirectory { get; } = isDirectory;

    /// <summary>A symlink that cannot be followed, shown as a small read-only file holding its target path.</summary>
    public bool IsLinkPlaceholder { get; } = isLinkPlaceholder;

    /// <summary>The core lookup reference this handle holds on <see cref="Inode"/>, dropped at CloseFile.</summary>
    public long? HeldLookup { get; } = heldLookup;

    /// <summary>Serialises the lazy open of <see cref="CoreHandle"/>.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The core's content handle, once opened.</summary>
    public ulong? CoreHandle { get; set; }

    /// <summary>Data or size changed since the last upload (Cleanup and FlushFileBuffers upload).</summary>
    public bool Dirty { get; set; }

    /// <summary>The object was deleted at Cleanup: nothing is uploaded afterwards.</summary>
    public bool Deleted { get; set; }
}

/// <summary>
/// Open handles by id. The id goes into DOKAN_FILE_INFO.Context instead of a GCHandle: a stale or forged context can
/// only miss the table (STATUS_INVALID_HANDLE), never reach an arbitrary object. Ids start at 1 (0 is "no context")
/// and are never reused within a mount.
/// </summary>
internal sealed class OpenFileTable
{
    private readonly ConcurrentDictionary<ulong, OpenFile> _files = new();
    private long _next;

    public int Count => _files.Count;

    public OpenFile Add(long inode, bool isDirectory, bool isLinkPlaceholder, long? heldLookup)
    {
        var file = new OpenFile((ulong)Interlocked.Increment(ref _next), inode, isDirectory, isLinkPlaceholder, heldLookup);
        _files[file.Id] = file;
        return file;
    }

    public OpenFile? Find(ulong id) => id == 0 ? null : _files.GetValueOrDefault(id);

    public OpenFile? Remove(ulong id) => _files.TryRemove(id, out var file) ? file : null;

    /// <summary>Every open handle (for unmount).</summary>
    public List<OpenFile> All() => [.. _files.Values];
}
