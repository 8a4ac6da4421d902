using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>
/// The inodes the adapter keeps referenced in the core between requests, least recently used evicted first: the
/// adapter's stand-in for a kernel's dentry cache. The core counts lookups per inode and drops nodes nobody
/// references, and with them what it learnt (a directory's cached listing, a file's metadata from a HEAD, that an
/// object is a symlink). Dokan is path-based and never "forgets", so without this every CreateFile would walk
/// uncached directories and HEAD files again; with unbounded references memory would grow with every object ever
/// touched. Every lookup reference the adapter no longer needs is handed here rather than dropped.
/// </summary>
internal sealed class InodeReferences(IFileSystem fs, int capacity)
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

    /// <summary>Takes over one lookup reference the caller holds on <paramref name="inode"/> (the root needs none).</summary>
    public void Adopt(long inode)
    {
        if (inode == IFileSystem.RootInode)
        {
            return;
        }

        long? surplus = null;
        long? evicted = null;
        lock (_lock)
        {
            if (_byInode.TryGetValue(inode, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                surplus = inode; // one reference per inode is enough
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
