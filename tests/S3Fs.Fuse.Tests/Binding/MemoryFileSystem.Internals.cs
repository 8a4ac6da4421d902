using S3Fs.Core.FileSystem;
using FileAttributes = S3Fs.Core.FileSystem.FileAttributes;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>The tree, hook plumbing and helpers behind <see cref="MemoryFileSystem"/>'s operations.</summary>
public sealed partial class MemoryFileSystem
{
    private async ValueTask<PendingScope> EnterAsync(string operation, long inode, string? name, CancellationToken cancellationToken)
    {
        Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        int pending = Interlocked.Increment(ref _pending);
        Max(ref _peakPending, pending);
        try
        {
            if (Hook is { } hook)
            {
                await hook(operation, inode, name, cancellationToken);
            }
        }
        catch
        {
            Interlocked.Decrement(ref _pending);
            throw;
        }

        return new PendingScope(this);
    }

    private static void Max(ref int field, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref field)) && Interlocked.CompareExchange(ref field, value, current) != current)
        {
        }
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private Node? TryFind(string path)
    {
        var node = _nodes[IFileSystem.RootInode];
        foreach (string part in Split(path))
        {
            if (node.Children is null || !node.Children.TryGetValue(part, out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    private string? NameOf(long inode)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(inode, out var node) ? node.Name : null;
        }
    }

    private Node NodeOf(long inode) =>
        _nodes.TryGetValue(inode, out var node) ? node : throw new FsException(FsErrorCode.NotFound, $"inode {inode}");

    private Node Dir(long inode)
    {
        var node = NodeOf(inode);
        return node.Kind == FileKind.Directory ? node : throw new FsException(FsErrorCode.NotADirectory, $"inode {inode} is not a directory");
    }

    private Node ChildOf(long parent, string name) =>
        Dir(parent).Children!.TryGetValue(name, out var child) ? child : throw FsException.NotFound(name);

    private void CheckName(string name)
    {
        if (name.Length > MaxNameLength)
        {
            throw new FsException(FsErrorCode.NameTooLong, $"{name.Length} characters");
        }
    }

    private Node AddChild(Node dir, string name, FileKind kind, uint mode, RequestContext context)
    {
        CheckName(name);
        if (dir.Children!.ContainsKey(name))
        {
            throw new FsException(FsErrorCode.AlreadyExists, $"{name} exists");
        }

        var node = new Node(_nextInode++, kind, mode, DateTimeOffset.UtcNow)
        {
            Name = name,
            Parent = dir.Inode,
            Uid = context.Uid,
            Gid = context.Gid,
            Cookie = ++dir.NextCookie,
            Children = kind == FileKind.Directory ? [] : null,
        };
        _nodes[node.Inode] = node;
        dir.Children[name] = node;
        return node;
    }

    private static void Resize(Node node, long size)
    {
        if (size > node.Data.Length)
        {
            Array.Resize(ref node.Data, (int)Math.Max(size, node.Data.Length * 2L));
        }
        else if (size < node.Size)
        {
            node.Data.AsSpan((int)size, (int)(node.Size - size)).Clear();
        }

        node.Size = size;
    }

    private EntryReply Counted(Node node)
    {
        LookupCounts.AddOrUpdate(node.Inode, 1, (_, n) => n + 1);
        return EntryOf(node);
    }

    private EntryReply EntryOf(Node node) => new(AttributesOf(node), CacheTimeout, CacheTimeout);

    private static FileAttributes AttributesOf(Node node) => new()
    {
        Inode = node.Inode,
        Kind = node.Kind,
        Mode = node.Mode,
        Size = node.Kind == FileKind.Directory ? 4096 : node.Size,
        Uid = node.Uid,
        Gid = node.Gid,
        LinkCount = node.Kind == FileKind.Directory ? 2u : 1u,
        ATime = node.ATime,
        MTime = node.MTime,
        CTime = node.CTime,
    };

    private readonly struct PendingScope(MemoryFileSystem owner) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref owner._pending);
    }

    private sealed class Node(long inode, FileKind kind, uint mode, DateTimeOffset now)
    {
        public byte[] Data = [];

        public long Inode { get; } = inode;

        public FileKind Kind { get; } = kind;

        public string Name { get; set; } = "";

        public long Parent { get; set; }

        public long Cookie { get; set; }

        public uint Mode { get; set; } = mode;

        public uint Uid { get; set; }

        public uint Gid { get; set; }

        public long Size { get; set; }

        public DateTimeOffset ATime { get; set; } = now;

        public DateTimeOffset MTime { get; set; } = now;

        public DateTimeOffset CTime { get; set; } = now;

        public string? Target { get; set; }

        public Dictionary<string, Node>? Children { get; init; }

        /// <summary>Next readdir cookie; 1 and 2 are "." and "..".</summary>
        public long NextCookie { get; set; } = 2;

        public Dictionary<string, byte[]> XAttrs { get; } = [];
    }
}
