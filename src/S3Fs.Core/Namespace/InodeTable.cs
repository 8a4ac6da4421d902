using System.Text;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Namespace;

/// <summary>
/// Inode numbers and the tree of known names. An inode lives while the kernel holds a reference (lookups not yet
/// forgotten) or a handle is open; the root lives forever. All methods take one short lock and do no I/O.
/// </summary>
internal sealed class InodeTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Node> _byInode = [];
    private readonly Dictionary<(long Parent, string Name), Node> _children = [];
    private long _nextInode = IFileSystem.RootInode + 1;

    public InodeTable()
    {
        Root = new Node(IFileSystem.RootInode, null, string.Empty, FileKind.Directory) { Lookups = 1 };
        _byInode[Root.Inode] = Root;
    }

    public Node Root { get; }

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

    /// <summary>Runs <paramref name="action"/> under the table lock (for listing updates that must be atomic with the tree).</summary>
    public T WithLock<T>(Func<T> action)
    {
        lock (_lock)
        {
            return action();
        }
    }

    public void WithLock(Action action)
    {
        lock (_lock)
        {
            action();
        }
    }

    public Node Get(long inode)
    {
        lock (_lock)
        {
            return _byInode.TryGetValue(inode, out var n)
                ? n
                : throw new FsException(FsErrorCode.NotFound, $"inode {inode} is not known (forgotten or never looked up)");
        }
    }

    /// <summary>The node for a name if the table knows one.</summary>
    public Node? FindChild(Node parent, string name)
    {
        lock (_lock)
        {
            return _children.GetValueOrDefault((parent.Inode, name));
        }
    }

    /// <summary>
    /// The node for <paramref name="name"/> under <paramref name="parent"/>, created if unknown. If a node of another
    /// kind holds the name (a file replaced by a directory elsewhere), it is detached and a new inode is made: the
    /// kernel must never see an inode change type.
    /// </summary>
    public Node GetOrAddChild(Node parent, string name, FileKind kind)
    {
        lock (_lock)
        {
            if (_children.TryGetValue((parent.Inode, name), out var existing))
            {
                if (existing.Kind == kind)
                {
                    return existing;
                }

                DetachLocked(existing);
            }

            var node = new Node(_nextInode++, parent, name, kind);
            _byInode[node.Inode] = node;
            _children[(parent.Inode, name)] = node;
            return node;
        }
    }

    /// <summary>Counts one kernel reference (a lookup reply, a create reply, a readdirplus entry).</summary>
    public void AddLookup(Node node)
    {
        lock (_lock)
        {
            node.Lookups++;
        }
    }

    /// <summary>The kernel dropped <paramref name="count"/> references.</summary>
    public void Forget(long inode, ulong count)
    {
        lock (_lock)
        {
            if (!_byInode.TryGetValue(inode, out var node) || node.IsRoot)
            {
                return;
            }

            node.Lookups = count >= node.Lookups ? 0 : node.Lookups - count;
            RemoveIfUnusedLocked(node);
        }
    }

    public void OpenHandle(Node node)
    {
        lock (_lock)
        {
            node.OpenHandles++;
        }
    }

    /// <summary>Returns true when this was the last handle.</summary>
    public bool CloseHandle(Node node)
    {
        lock (_lock)
        {
            node.OpenHandles--;
            var last = node.OpenHandles == 0;
            RemoveIfUnusedLocked(node);
            return last;
        }
    }

    /// <summary>Removes the name (unlink, rmdir, replaced by rename). The inode lives on while referenced.</summary>
    public void Detach(Node node)
    {
        lock (_lock)
        {
            DetachLocked(node);
        }
    }

    /// <summary>Moves a node to a new name; a node already there is detached (rename replaces it).</summary>
    public Node? Move(Node node, Node newParent, string newName)
    {
        lock (_lock)
        {
            Node? replaced = null;
            if (_children.TryGetValue((newParent.Inode, newName), out var target) && target != node)
            {
                replaced = target;
                DetachLocked(target);
            }

            if (node.Parent is not null && _children.TryGetValue((node.Parent.Inode, node.Name), out var self) && self == node)
            {
                _children.Remove((node.Parent.Inode, node.Name));
            }

            node.Parent = newParent;
            node.Name = newName;
            _children[(newParent.Inode, newName)] = node;
            return replaced;
        }
    }

    /// <summary>The path of a node relative to the mount root, without leading or trailing '/'; "" for the root.</summary>
    public string PathOf(Node node)
    {
        lock (_lock)
        {
            if (node.IsRoot)
            {
                return string.Empty;
            }

            var parts = new Stack<string>();
            for (var n = node; n is { IsRoot: false }; n = n.Parent)
            {
                if (n.Parent is null)
                {
                    throw new FsException(FsErrorCode.NotFound, $"{node} was removed");
                }

                parts.Push(n.Name);
            }

            var sb = new StringBuilder();
            foreach (var p in parts)
            {
                if (sb.Length > 0)
                {
                    sb.Append('/');
                }

                sb.Append(p);
            }

            return sb.ToString();
        }
    }

    /// <summary>Known nodes at or below <paramref name="directory"/> (for flushing before a directory rename).</summary>
    public List<Node> Descendants(Node directory)
    {
        lock (_lock)
        {
            var result = new List<Node>();
            foreach (var node in _byInode.Values)
            {
                for (var n = node.Parent; n is not null; n = n.Parent)
                {
                    if (n == directory)
                    {
                        result.Add(node);
                        break;
                    }
                }
            }

            return result;
        }
    }

    /// <summary>Every node with content (for flushing everything at unmount).</summary>
    public List<Node> NodesWithContent()
    {
        lock (_lock)
        {
            return _byInode.Values.Where(n => n.Content is not null).ToList();
        }
    }

    private void DetachLocked(Node node)
    {
        if (node.Parent is not null && _children.TryGetValue((node.Parent.Inode, node.Name), out var current) && current == node)
        {
            _children.Remove((node.Parent.Inode, node.Name));
        }

        node.Unlinked = true;
        RemoveIfUnusedLocked(node);
    }

    private void RemoveIfUnusedLocked(Node node)
    {
        if (node.IsRoot || node.Lookups > 0 || node.OpenHandles > 0 || node.Content is { IsDirty: true })
        {
            return;
        }

        // A child keeps its parent object (not its inode number), so paths still resolve for a node whose
        // ancestors the kernel has forgotten; the kernel itself never forgets a directory with live children.
        _byInode.Remove(node.Inode);
        if (node.Parent is not null && _children.TryGetValue((node.Parent.Inode, node.Name), out var current) && current == node)
        {
            _children.Remove((node.Parent.Inode, node.Name));
        }
    }
}
