using System.Collections.Concurrent;
using S3Fs.Core.FileSystem;
using FileAttributes = S3Fs.Core.FileSystem.FileAttributes;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>
/// A small in-memory <see cref="IFileSystem"/> for testing the FUSE binding through real mounts, without the
/// real core. Every operation goes through <see cref="Hook"/> first, so a test can delay it, block it on a gate,
/// observe its cancellation token or make it throw; counters record what reached the "core" (request sizes,
/// fsyncs, forgets, lookups, concurrency). Files whose name starts with "direct-" are opened with direct I/O;
/// directories whose name starts with "cached-" are opened with KeepCache.
/// </summary>
public sealed partial class MemoryFileSystem : IFileSystem
{
    /// <summary>Unused: this filesystem never fills the page cache.</summary>
    public IKernelPageCache? KernelPageCache { get; set; }

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Node> _nodes = [];
    private long _nextInode = IFileSystem.RootInode + 1;
    private long _nextHandle = 1;
    private int _pending;
    private int _peakPending;
    private int _maxRead;
    private int _maxWrite;
    private int _flushAllCalls;

    public MemoryFileSystem()
    {
        var now = DateTimeOffset.UtcNow;
        _nodes[IFileSystem.RootInode] = new Node(IFileSystem.RootInode, FileKind.Directory, 0x1ED /* 0755 */, now)
        {
            Parent = IFileSystem.RootInode,
            Children = [],
        };
    }

    /// <summary>Runs before every operation: (operation, inode, name or null, the request's token).</summary>
    public Func<string, long, string?, CancellationToken, ValueTask>? Hook { get; set; }

    /// <summary>When set, <see cref="FlushAllAsync"/> throws it.</summary>
    public Exception? FlushAllFailure { get; set; }

    public int MaxNameLength { get; set; } = 255;

    /// <summary>
    /// How long the kernel may cache the entries and attributes this filesystem answers: short by default, so tests
    /// see changes soon; a test that counts requests the kernel's cache should spare sets it beyond its own run time.
    /// </summary>
    public TimeSpan CacheTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public ConcurrentDictionary<long, long> LookupCounts { get; } = new();

    public ConcurrentQueue<(long Inode, ulong Count)> Forgets { get; } = new();

    public ConcurrentQueue<(long Inode, bool DataOnly)> Fsyncs { get; } = new();

    public ConcurrentQueue<RenameFlags> RenameFlagsSeen { get; } = new();

    /// <summary>Per readdir call: entries the sink accepted, and whether it refused one (reply buffer full).</summary>
    public ConcurrentQueue<(bool Plus, int Accepted, bool Full)> ReadDirBatches { get; } = new();

    public SetAttrRequest? LastSetAttr { get; private set; }

    public int Pending => Volatile.Read(ref _pending);

    public int PeakPending => Volatile.Read(ref _peakPending);

    public int MaxReadRequest => Volatile.Read(ref _maxRead);

    public int MaxWriteRequest => Volatile.Read(ref _maxWrite);

    public int FlushAllCalls => Volatile.Read(ref _flushAllCalls);

    public int CallCount(string operation) => Calls.TryGetValue(operation, out int n) ? n : 0;

    // ---- direct access for arranging and asserting (no hooks) ----

    public long AddDirectory(string path)
    {
        lock (_lock)
        {
            long parent = IFileSystem.RootInode;
            foreach (string part in Split(path))
            {
                var dir = Dir(parent);
                parent = dir.Children!.TryGetValue(part, out var existing)
                    ? existing.Inode
                    : AddChild(dir, part, FileKind.Directory, 0x1ED, RequestContext.Root).Inode;
            }

            return parent;
        }
    }

    public long AddFile(string path, byte[] content)
    {
        lock (_lock)
        {
            var parts = Split(path);
            long parent = IFileSystem.RootInode;
            foreach (string part in parts[..^1])
            {
                parent = Dir(parent).Children![part].Inode;
            }

            var node = AddChild(Dir(parent), parts[^1], FileKind.RegularFile, 0x1A4 /* 0644 */, RequestContext.Root);
            node.Data = (byte[])content.Clone();
            node.Size = content.Length;
            return node.Inode;
        }
    }

    public bool Exists(string path)
    {
        lock (_lock)
        {
            return TryFind(path) is not null;
        }
    }

    public byte[] Content(string path)
    {
        lock (_lock)
        {
            var node = TryFind(path) ?? throw new FileNotFoundException(path);
            return node.Data.AsSpan(0, (int)node.Size).ToArray();
        }
    }

    public FileAttributes Attributes(string path)
    {
        lock (_lock)
        {
            return AttributesOf(TryFind(path) ?? throw new FileNotFoundException(path));
        }
    }

    public long InodeOf(string path)
    {
        lock (_lock)
        {
            return (TryFind(path) ?? throw new FileNotFoundException(path)).Inode;
        }
    }

    // ---- IFileSystem ----

    public async ValueTask<EntryReply> LookupAsync(long parent, string name, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("lookup", parent, name, cancellationToken);
        lock (_lock)
        {
            return Counted(ChildOf(parent, name));
        }
    }

    public void Forget(long inode, ulong count)
    {
        Calls.AddOrUpdate("forget", 1, (_, n) => n + 1);
        Forgets.Enqueue((inode, count));
        LookupCounts.AddOrUpdate(inode, -(long)count, (_, n) => n - (long)count);
    }

    public async ValueTask<FileAttributes> GetAttrAsync(long inode, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("getattr", inode, NameOf(inode), cancellationToken);
        lock (_lock)
        {
            return AttributesOf(NodeOf(inode));
        }
    }

    public async ValueTask<FileAttributes> SetAttrAsync(long inode, SetAttrRequest request, ulong? handle, RequestContext context, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("setattr", inode, NameOf(inode), cancellationToken);
        lock (_lock)
        {
            var node = NodeOf(inode);
            LastSetAttr = request;
            var now = DateTimeOffset.UtcNow;
            if (request.Size is { } size)
            {
                if (node.Kind != FileKind.RegularFile)
                {
                    throw new FsException(FsErrorCode.IsADirectory, "truncate of a non-file");
                }

                Resize(node, size);
                node.MTime = now;
            }

            node.Mode = request.Mode ?? node.Mode;
            node.Uid = request.Uid ?? node.Uid;
            node.Gid = request.Gid ?? node.Gid;
            node.ATime = request.ATimeNow ? now : request.ATime ?? node.ATime;
            node.MTime = request.MTimeNow ? now : request.MTime ?? node.MTime;
            node.CTime = now;
            return AttributesOf(node);
        }
    }

    public async ValueTask<string> ReadLinkAsync(long inode, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("readlink", inode, NameOf(inode), cancellationToken);
        lock (_lock)
        {
            return NodeOf(inode).Target ?? throw new FsException(FsErrorCode.InvalidArgument, "not a symlink");
        }
    }

    public async ValueTask<EntryReply> MkDirAsync(long parent, string name, uint mode, RequestContext context, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("mkdir", parent, name, cancellationToken);
        lock (_lock)
        {
            return Counted(AddChild(Dir(parent), name, FileKind.Directory, mode, context));
        }
    }

    public async ValueTask UnlinkAsync(long parent, string name, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("unlink", parent, name, cancellationToken);
        lock (_lock)
        {
            if (ChildOf(parent, name).Kind == FileKind.Directory)
            {
                throw new FsException(FsErrorCode.IsADirectory, $"{name} is a directory");
            }

            Dir(parent).Children!.Remove(name);
        }
    }

    public async ValueTask RmDirAsync(long parent, string name, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("rmdir", parent, name, cancellationToken);
        lock (_lock)
        {
            var node = ChildOf(parent, name);
            if (node.Kind != FileKind.Directory)
            {
                throw new FsException(FsErrorCode.NotADirectory, $"{name} is not a directory");
            }

            if (node.Children!.Count > 0)
            {
                throw new FsException(FsErrorCode.NotEmpty, $"{name} is not empty");
            }

            Dir(parent).Children!.Remove(name);
        }
    }

    public async ValueTask<EntryReply> SymlinkAsync(string target, long parent, string name, RequestContext context, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("symlink", parent, name, cancellationToken);
        lock (_lock)
        {
            var node = AddChild(Dir(parent), name, FileKind.Symlink, 0x1FF /* 0777 */, context);
            node.Target = target;
            node.Size = System.Text.Encoding.UTF8.GetByteCount(target);
            return Counted(node);
        }
    }

    public async ValueTask RenameAsync(long parent, string name, long newParent, string newName, RenameFlags flags, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("rename", parent, name, cancellationToken);
        RenameFlagsSeen.Enqueue(flags);
        lock (_lock)
        {
            var node = ChildOf(parent, name);
            if (flags.HasFlag(RenameFlags.Exchange))
            {
                throw new FsException(FsErrorCode.NotSupported, "atomic exchange is not possible on S3");
            }

            CheckName(newName);
            var target = Dir(newParent);
            if (target.Children!.TryGetValue(newName, out var existing))
            {
                if (flags.HasFlag(RenameFlags.NoReplace))
                {
                    throw new FsException(FsErrorCode.AlreadyExists, $"{newName} exists");
                }

                if (existing.Kind == FileKind.Directory && existing.Children!.Count > 0)
                {
                    throw new FsException(FsErrorCode.NotEmpty, $"{newName} is not empty");
                }

                target.Children.Remove(newName);
            }

            Dir(parent).Children!.Remove(name);
            target.Children[newName] = node;
            node.Name = newName;
            node.Parent = newParent;
            node.Cookie = ++target.NextCookie;
            node.CTime = DateTimeOffset.UtcNow;
        }
    }

    public async ValueTask<EntryReply> LinkAsync(long inode, long newParent, string newName, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("link", inode, newName, cancellationToken);
        throw new FsException(FsErrorCode.CrossDevice, "hard links are not supported");
    }

    public async ValueTask<OpenReply> OpenAsync(long inode, OpenFlags flags, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("open", inode, NameOf(inode), cancellationToken);
        lock (_lock)
        {
            var node = NodeOf(inode);
            if (flags.HasFlag(OpenFlags.Truncate) && (flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly)
            {
                Resize(node, 0);
            }

            return new OpenReply((ulong)Interlocked.Increment(ref _nextHandle), KeepCache: false, DirectIo: node.Name.StartsWith("direct-", StringComparison.Ordinal));
        }
    }

    public async ValueTask<(EntryReply Entry, OpenReply Open)> CreateAsync(long parent, string name, uint mode, OpenFlags flags, RequestContext context, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("create", parent, name, cancellationToken);
        lock (_lock)
        {
            var dir = Dir(parent);
            Node node;
            if (dir.Children!.TryGetValue(name, out var existing))
            {
                if (flags.HasFlag(OpenFlags.Exclusive))
                {
                    throw new FsException(FsErrorCode.AlreadyExists, $"{name} exists");
                }

                node = existing;
            }
            else
            {
                node = AddChild(dir, name, FileKind.RegularFile, mode, context);
            }

            var open = new OpenReply((ulong)Interlocked.Increment(ref _nextHandle), KeepCache: false, DirectIo: name.StartsWith("direct-", StringComparison.Ordinal));
            return (Counted(node), open);
        }
    }

    public async ValueTask<int> ReadAsync(long inode, ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("read", inode, NameOf(inode), cancellationToken);
        Max(ref _maxRead, destination.Length);
        lock (_lock)
        {
            var node = NodeOf(inode);
            if (offset >= node.Size)
            {
                return 0;
            }

            int count = (int)Math.Min(destination.Length, node.Size - offset);
            node.Data.AsSpan((int)offset, count).CopyTo(destination.Span);
            return count;
        }
    }

    public async ValueTask<int> WriteAsync(long inode, ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("write", inode, NameOf(inode), cancellationToken);
        Max(ref _maxWrite, data.Length);
        lock (_lock)
        {
            var node = NodeOf(inode);
            long end = offset + data.Length;
            if (end > node.Size)
            {
                Resize(node, end);
            }

            data.Span.CopyTo(node.Data.AsSpan((int)offset));
            node.MTime = DateTimeOffset.UtcNow;
            return data.Length;
        }
    }

    public async ValueTask FlushAsync(long inode, ulong handle, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("flush", inode, NameOf(inode), cancellationToken);
    }

    public async ValueTask ReleaseAsync(long inode, ulong handle, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("release", inode, NameOf(inode), cancellationToken);
    }

    public async ValueTask FsyncAsync(long inode, ulong handle, bool dataOnly, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("fsync", inode, NameOf(inode), cancellationToken);
        Fsyncs.Enqueue((inode, dataOnly));
    }

    public async ValueTask<OpenReply> OpenDirAsync(long inode, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("opendir", inode, NameOf(inode), cancellationToken);
        lock (_lock)
        {
            var dir = Dir(inode);
            return new OpenReply((ulong)Interlocked.Increment(ref _nextHandle), KeepCache: dir.Name.StartsWith("cached-", StringComparison.Ordinal), DirectIo: false);
        }
    }

    /// <summary>Offsets: "." is 1, ".." is 2, each child has a cookie (> 2) assigned when it was added, stable across removals.</summary>
    public async ValueTask ReadDirAsync(long inode, ulong handle, long offset, IDirectoryEntrySink sink, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync(sink.WantsAttributes ? "readdirplus" : "readdir", inode, NameOf(inode), cancellationToken);
        var batch = new List<(DirectoryEntry Entry, EntryReply Reply)>();
        lock (_lock)
        {
            var dir = Dir(inode);
            if (offset < 1)
            {
                batch.Add((new DirectoryEntry(".", dir.Inode, FileKind.Directory, 1), EntryOf(dir)));
            }

            if (offset < 2)
            {
                var parent = _nodes[dir.Parent];
                batch.Add((new DirectoryEntry("..", parent.Inode, FileKind.Directory, 2), EntryOf(parent)));
            }

            foreach (var child in dir.Children!.Values.Where(c => c.Cookie > offset).OrderBy(c => c.Cookie))
            {
                batch.Add((new DirectoryEntry(child.Name, child.Inode, child.Kind, child.Cookie), EntryOf(child)));
            }
        }

        int accepted = 0;
        bool full = false;
        foreach (var (entry, reply) in batch)
        {
            if (!sink.TryAdd(entry, sink.WantsAttributes ? reply : null))
            {
                full = true;
                break;
            }

            accepted++;
            if (sink.WantsAttributes && entry.Name is not ("." or ".."))
            {
                LookupCounts.AddOrUpdate(entry.Inode, 1, (_, n) => n + 1);
            }
        }

        ReadDirBatches.Enqueue((sink.WantsAttributes, accepted, full));
    }

    public async ValueTask ReleaseDirAsync(long inode, ulong handle, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("releasedir", inode, NameOf(inode), cancellationToken);
    }

    public async ValueTask<FsStats> StatFsAsync(long inode, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("statfs", inode, null, cancellationToken);
        return new FsStats
        {
            BlockSize = 4096,
            TotalBlocks = 1 << 20,
            FreeBlocks = 1 << 19,
            AvailableBlocks = 1 << 18,
            TotalFiles = 1 << 20,
            FreeFiles = 1 << 19,
            MaxNameLength = MaxNameLength,
        };
    }

    public async ValueTask SetXAttrAsync(long inode, string name, ReadOnlyMemory<byte> value, XAttrFlags flags, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("setxattr", inode, name, cancellationToken);
        lock (_lock)
        {
            var node = NodeOf(inode);
            bool exists = node.XAttrs.ContainsKey(name);
            if (flags.HasFlag(XAttrFlags.Create) && exists)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"xattr {name} exists");
            }

            if (flags.HasFlag(XAttrFlags.Replace) && !exists)
            {
                throw new FsException(FsErrorCode.NoAttribute, $"xattr {name} does not exist");
            }

            node.XAttrs[name] = value.ToArray();
        }
    }

    public async ValueTask<byte[]> GetXAttrAsync(long inode, string name, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("getxattr", inode, name, cancellationToken);
        lock (_lock)
        {
            return NodeOf(inode).XAttrs.TryGetValue(name, out var value)
                ? value
                : throw new FsException(FsErrorCode.NoAttribute, $"xattr {name} does not exist");
        }
    }

    public async ValueTask<IReadOnlyList<string>> ListXAttrAsync(long inode, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("listxattr", inode, null, cancellationToken);
        lock (_lock)
        {
            return [.. NodeOf(inode).XAttrs.Keys];
        }
    }

    public async ValueTask RemoveXAttrAsync(long inode, string name, CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("removexattr", inode, name, cancellationToken);
        lock (_lock)
        {
            if (!NodeOf(inode).XAttrs.Remove(name))
            {
                throw new FsException(FsErrorCode.NoAttribute, $"xattr {name} does not exist");
            }
        }
    }

    public async ValueTask FlushAllAsync(CancellationToken cancellationToken)
    {
        using var scope = await EnterAsync("flushall", IFileSystem.RootInode, null, cancellationToken);
        Interlocked.Increment(ref _flushAllCalls);
        if (FlushAllFailure is { } failure)
        {
            throw failure;
        }
    }
}
