using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Conformance;
using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Conformance;

/// <summary>
/// Drives <see cref="S3FileSystem"/> directly, the way the kernel would: path walks by lookup, open/write/flush/release,
/// readdir with a sink. No FUSE, no threads of its own.
/// </summary>
public sealed class InProcessDriver : IFsDriver
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Func<IObjectStore, IContentStore> _contentFactory;
    private readonly FileSystemOptions _options;
    private readonly TimeProvider? _time;
    private S3FileSystem _fs;

    public InProcessDriver(IObjectStore store, string prefix, Func<IObjectStore, IContentStore> contentFactory, FileSystemOptions? options = null, TimeProvider? time = null)
    {
        Store = store;
        Prefix = prefix;
        _contentFactory = contentFactory;
        _options = (options ?? new FileSystemOptions()) with { Prefix = prefix };
        _time = time;
        _fs = NewFileSystem();
    }

    public IObjectStore Store { get; }

    public string Prefix { get; }

    public S3FileSystem FileSystem => _fs;

    public async Task RemountAsync()
    {
        await _fs.FlushAllAsync(None);
        await _fs.DisposeAsync();
        _fs = NewFileSystem();
    }

    public async ValueTask DisposeAsync() => await _fs.DisposeAsync();

    public Task WriteAllAsync(string path, byte[] data) => Run(async () =>
    {
        var (parent, name) = await ParentAsync(path);
        var (_, open) = await _fs.CreateAsync(parent, name, Convert.ToUInt32("644", 8), OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate, RequestContext.Root, None);
        await WriteAndCloseAsync(await InodeOrZeroAsync(path), open.Handle, 0, data);
    });

    public Task<byte[]> ReadAllAsync(string path) => Run(async () =>
    {
        var ino = await ResolveAsync(path);
        var size = (await _fs.GetAttrAsync(ino, None)).Size;
        var open = await _fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        try
        {
            var result = new MemoryStream();
            var buffer = new byte[128 * 1024];
            long offset = 0;
            while (true)
            {
                var n = await _fs.ReadAsync(ino, open.Handle, offset, buffer, None);
                if (n == 0)
                {
                    break;
                }

                await result.WriteAsync(buffer.AsMemory(0, n));
                offset += n;
            }

            Assert.Equal(size, result.Length);
            return result.ToArray();
        }
        finally
        {
            await _fs.FlushAsync(ino, open.Handle, None);
            await _fs.ReleaseAsync(ino, open.Handle, None);
        }
    });

    public Task WriteAtAsync(string path, long offset, byte[] data) => Run(async () =>
    {
        var ino = await ResolveAsync(path);
        var open = await _fs.OpenAsync(ino, OpenFlags.ReadWrite, None);
        await WriteAndCloseAsync(ino, open.Handle, offset, data);
    });

    public Task<byte[]> ReadAtAsync(string path, long offset, int count) => Run(async () =>
    {
        var ino = await ResolveAsync(path);
        var open = await _fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        try
        {
            var buffer = new byte[count];
            var n = await _fs.ReadAsync(ino, open.Handle, offset, buffer, None);
            return buffer[..n];
        }
        finally
        {
            await _fs.ReleaseAsync(ino, open.Handle, None);
        }
    });

    public Task AppendAsync(string path, byte[] data) => Run(async () =>
    {
        var ino = await ResolveAsync(path);
        var size = (await _fs.GetAttrAsync(ino, None)).Size;
        var open = await _fs.OpenAsync(ino, OpenFlags.WriteOnly | OpenFlags.Append, None);
        await WriteAndCloseAsync(ino, open.Handle, size, data);
    });

    public Task TruncateAsync(string path, long size) => Run(async () =>
    {
        var ino = await ResolveAsync(path);
        await _fs.SetAttrAsync(ino, new SetAttrRequest { Size = size }, null, RequestContext.Root, None);
    });

    public async Task<FsStat?> StatAsync(string path)
    {
        try
        {
            var a = await _fs.GetAttrAsync(await ResolveAsync(path), None);
            return new FsStat(a.Kind, a.Size, a.Mode, a.Uid, a.Gid, a.MTime);
        }
        catch (FsException e) when (e.Code == FsErrorCode.NotFound)
        {
            return null;
        }
    }

    public Task MkDirAsync(string path) => Run(async () =>
    {
        var (parent, name) = await ParentAsync(path);
        await _fs.MkDirAsync(parent, name, Convert.ToUInt32("755", 8), RequestContext.Root, None);
    });

    public Task RmDirAsync(string path) => Run(async () =>
    {
        var (parent, name) = await ParentAsync(path);
        await _fs.RmDirAsync(parent, name, None);
    });

    public Task UnlinkAsync(string path) => Run(async () =>
    {
        var (parent, name) = await ParentAsync(path);
        await _fs.UnlinkAsync(parent, name, None);
    });

    public Task RenameAsync(string from, string to) => Run(async () =>
    {
        var (p1, n1) = await ParentAsync(from);
        var (p2, n2) = await ParentAsync(to);
        await _fs.RenameAsync(p1, n1, p2, n2, RenameFlags.None, None);
    });

    public Task<IReadOnlyList<string>> ListAsync(string path) => Run<IReadOnlyList<string>>(async () =>
    {
        var ino = await ResolveAsync(path);
        var open = await _fs.OpenDirAsync(ino, None);
        try
        {
            var sink = new CollectingSink(capacity: 7, wantsAttributes: true); // a small buffer exercises continuation offsets
            long offset = 0;
            do
            {
                sink.Added = 0;
                await _fs.ReadDirAsync(ino, open.Handle, offset, sink, None);
                offset = sink.LastOffset;
            }
            while (sink.Added > 0);
            return sink.Names.Where(n => n is not "." and not "..").Order(StringComparer.Ordinal).ToList();
        }
        finally
        {
            await _fs.ReleaseDirAsync(ino, open.Handle, None);
        }
    });

    public Task SymlinkAsync(string target, string path) => Run(async () =>
    {
        var (parent, name) = await ParentAsync(path);
        await _fs.SymlinkAsync(target, parent, name, RequestContext.Root, None);
    });

    public Task<string> ReadLinkAsync(string path) => Run(async () => await _fs.ReadLinkAsync(await ResolveAsync(path), None));

    public Task ChmodAsync(string path, uint mode) => Run(async () =>
        await _fs.SetAttrAsync(await ResolveAsync(path), new SetAttrRequest { Mode = mode }, null, RequestContext.Root, None));

    public Task SetMTimeAsync(string path, DateTimeOffset mtime) => Run(async () =>
        await _fs.SetAttrAsync(await ResolveAsync(path), new SetAttrRequest { MTime = mtime }, null, RequestContext.Root, None));

    public Task SetXAttrAsync(string path, string name, byte[] value) => Run(async () =>
        await _fs.SetXAttrAsync(await ResolveAsync(path), name, value, XAttrFlags.None, None));

    public Task<byte[]?> GetXAttrAsync(string path, string name) => Run(async () =>
    {
        var ino = await ResolveAsync(path);
        try
        {
            return (byte[]?)await _fs.GetXAttrAsync(ino, name, None);
        }
        catch (FsException e) when (e.Code == FsErrorCode.NoAttribute)
        {
            return null;
        }
    });

    public Task<IReadOnlyList<string>> ListXAttrAsync(string path) => Run(async () => await _fs.ListXAttrAsync(await ResolveAsync(path), None));

    public Task RemoveXAttrAsync(string path, string name) => Run(async () =>
        await _fs.RemoveXAttrAsync(await ResolveAsync(path), name, None));

    private S3FileSystem NewFileSystem() => new(Store, _contentFactory(Store), _options, NullLogger.Instance, _time);

    private async Task WriteAndCloseAsync(long ino, ulong handle, long offset, byte[] data)
    {
        try
        {
            // Writes arrive in pieces, as the kernel sends them (128 KiB here).
            const int chunk = 128 * 1024;
            for (var i = 0; i < data.Length; i += chunk)
            {
                var n = Math.Min(chunk, data.Length - i);
                await _fs.WriteAsync(ino, handle, offset + i, data.AsMemory(i, n), None);
            }

            await _fs.FlushAsync(ino, handle, None);
        }
        finally
        {
            await _fs.ReleaseAsync(ino, handle, None);
        }
    }

    private async Task<long> InodeOrZeroAsync(string path) => await ResolveAsync(path);

    private async Task<long> ResolveAsync(string path)
    {
        long ino = IFileSystem.RootInode;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            ino = (await _fs.LookupAsync(ino, part, None)).Inode;
        }

        return ino;
    }

    private async Task<(long Parent, string Name)> ParentAsync(string path)
    {
        var i = path.LastIndexOf('/');
        var parent = i < 0 ? IFileSystem.RootInode : await ResolveAsync(path[..i]);
        return (parent, path[(i + 1)..]);
    }

    private static async Task Run(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (FsException e)
        {
            throw new FsDriverException(e.Code, e.Message);
        }
    }

    private static async Task<T> Run<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (FsException e)
        {
            throw new FsDriverException(e.Code, e.Message);
        }
    }
}
