using System.Collections.Concurrent;
using S3Fs.Core.Content;
using S3Fs.Core.Namespace;

namespace S3Fs.Core.FileSystem;

/// <summary>An open file: its inode, how it was opened, and its reader (own read-ahead state).</summary>
internal sealed class FileHandle(Node node, OpenFlags flags, bool writer = false)
{
    public Node Node { get; } = node;

    public OpenFlags Flags { get; } = flags;

    public IFileReader? Reader { get; set; }

    /// <summary>Tells this handle's random reads from sequential ones; used under <see cref="Node.FillLock"/>.</summary>
    public ReadPattern Reads { get; } = new();

    public bool CanWrite => (Flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly;

    /// <summary>Counted in <see cref="Node.WriteHandles"/> until released (opened for writing or truncation, or created).</summary>
    public bool Writer { get; } = writer;
}

/// <summary>An open directory: the entries readdir iterates (<see cref="DirectoryStream"/>), so offsets stay stable while it is open.</summary>
internal sealed class DirectoryHandle(Node node)
{
    private Node? _refused;

    public Node Node { get; } = node;

    public DirectoryStream? Entries { get; set; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>
    /// Records the last entry the kernel's buffer had no room for, returning the one recorded before: it is kept, with
    /// the attributes loaded for it, for the readdir that continues from it, and dropped at release if that never came
    /// (it was not handed to the kernel).
    /// </summary>
    public Node? SwapRefused(Node? node) => Interlocked.Exchange(ref _refused, node);
}

/// <summary>Handle numbers for open files and directories. Numbers are never reused within a mount.</summary>
internal sealed class HandleTable
{
    private readonly ConcurrentDictionary<ulong, object> _handles = new();
    private long _next;

    public ulong Add(object handle)
    {
        var id = (ulong)Interlocked.Increment(ref _next);
        _handles[id] = handle;
        return id;
    }

    public T Get<T>(ulong id)
        where T : class =>
        _handles.TryGetValue(id, out var h) && h is T t ? t : throw new FsException(FsErrorCode.BadHandle, $"handle {id} is not open");

    public T Remove<T>(ulong id)
        where T : class =>
        _handles.TryRemove(id, out var h) && h is T t ? t : throw new FsException(FsErrorCode.BadHandle, $"handle {id} is not open");

    public int Count => _handles.Count;
}
