using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>
/// The directories the adapter keeps referenced in the core between requests, least recently used evicted first.
/// The core counts lookups per inode like a kernel's dentry cache and drops nodes (and their cached listings) nobody
/// references; Dokan is path-based and never "forgets", so without this every CreateFile would walk uncached
/// directories, and with unbounded references memory would grow with every folder ever visited.
/// </summary>
internal sealed class DirectoryReferences(IFileSystem fs, int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<long> _recent = new();
    private readonly Dictionary<long, LinkedListNode<long>> _byInode = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byInode.Count;
            }
        }
    }

    /// <summary>Takes over the one lookup reference the caller just obtained on directory <paramref name="inode"/>.</summary>
    public void Adopt(long inode)
    {
        long? surplus = null;
        long? evicted = null;
        lock (_lock)
        {
            if (_byInode.TryGetValue(inode, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                surplus = inode; // one reference per directory is enough
            }
            else
            {
                _byInode[inode] = _recent.AddFirst(inode);
                if (_byInode.Count > capacity)
                {
                    var last = _recent.Last!;
                    _recent.RemoveLast();
                    _byInode.Remove(last.Value);
                    evicted = last.Value;
                }
            }
        }

        if (surplus is { } s)
        {
            fs.Forget(s, 1);
        }

        if (evicted is { } e)
        {
            fs.Forget(e, 1);
        }
    }

    /// <summary>Drops every reference (unmount).</summary>
    public void Clear()
    {
        List<long> all;
        lock (_lock)
        {
            all = [.. _byInode.Keys];
            _byInode.Clear();
            _recent.Clear();
        }

        foreach (var inode in all)
        {
            fs.Forget(inode, 1);
        }
    }
}
