using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content.Caching;

/// <summary>
/// The optional disk tier: blocks of encrypted objects exactly as stored in S3 (ciphertext, never plaintext; plain
/// objects are not cached here at all), one file per block under <c>blocks-v1/&lt;hh&gt;/&lt;version hash&gt;/&lt;index&gt;</c>,
/// where the version hash covers key and ETag, so a changed object is never served stale. Each file carries a
/// <see cref="DiskBlockHeader"/> validated on every read; a file that does not match exactly is deleted, never
/// trusted, and every block read from here is authenticated again by AES-GCM when it is opened. Writes are queued
/// (a full queue drops the write: the cache is an optimisation) and done by one background loop through a temporary
/// file and a rename, so a crash leaves either the old state or a whole file. The byte budget is kept by evicting the
/// least recently used files; recency survives a restart approximately (file write times seed it). The directory
/// version changes with the header format; other versions are deleted at startup.
/// </summary>
internal sealed partial class DiskBlockCache : IAsyncDisposable
{
    /// <summary>Blocks waiting to be written: 64 × 64 KiB = 4 MiB of memory at most; beyond that writes are dropped.</summary>
    private const int QueueCapacity = 64;

    /// <summary>Eviction goes down to 90% of the budget so that it runs in batches, not on every insert.</summary>
    private const double EvictTo = 0.9;

    private readonly string _root;
    private readonly long _capacity;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FileEntry> _index = new(StringComparer.Ordinal);
    private readonly Channel<PendingWrite> _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Task _scan;
    private readonly Task _writer;
    private long _used;
    private long _rejected;
    private long _dropped;
    private long _pending;

    public DiskBlockCache(string directory, long capacity, ILogger logger)
    {
        _capacity = capacity;
        _logger = logger;
        CreatePrivateDirectory(directory);
        _root = Path.Combine(directory, $"blocks-v{DiskBlockHeader.Version}");
        CreatePrivateDirectory(_root);
        DeleteOtherVersions(directory);
        _scan = Task.Run(Scan);
        _writer = WriteLoopAsync();
    }

    /// <summary>The versioned directory holding the block files.</summary>
    internal string RootDirectory => _root;

    public long UsedBytes
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>Files found invalid and deleted.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Writes dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The hashes and directory of one object version (computed once per open file).</summary>
    public sealed record Identity(byte[] KeyHash, byte[] ETagHash, string Directory);

    public Identity IdentityOf(ObjectVersion version)
    {
        var (keyHash, etagHash) = DiskBlockHeader.Identity(version);
        var name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. keyHash, .. etagHash]))[..32];
        return new Identity(keyHash, etagHash, Path.Combine(_root, name[..2], name));
    }

    /// <summary>
    /// Reads stored block <paramref name="index"/> (exactly <paramref name="destination"/>.Length bytes) if a valid
    /// file holds it. False for a miss or an invalid file (which is deleted).
    /// </summary>
    public async ValueTask<bool> TryReadAsync(Identity id, long index, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var path = Path.Combine(id.Directory, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var buffer = ArrayPool<byte>.Shared.Rent(DiskBlockHeader.Size + destination.Length + 1);
        try
        {
            int read;
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
                read = 0;
                int n;
                while (read < buffer.Length && (n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read), read, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    read += n;
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return false;
            }
            catch (IOException e)
            {
                LogUnreadable(_logger, path, e.Message);
                return false;
            }

            var problem = DiskBlockHeader.Validate(buffer.AsSpan(0, read), id.KeyHash, id.ETagHash, index, destination.Length);
            if (problem is not null)
            {
                Interlocked.Increment(ref _rejected);
                LogRejected(_logger, path, problem);
                Delete(path);
                return false;
            }

            buffer.AsSpan(DiskBlockHeader.Size, destination.Length).CopyTo(destination.Span);
            lock (_lock)
            {
                if (_index.TryGetValue(path, out var entry))
                {
                    _index[path] = entry with { LastUse = DateTime.UtcNow.Ticks };
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Deletes the file of a block that failed authentication after passing the header checks.</summary>
    public void Discard(Identity id, long index, string reason)
    {
        var path = Path.Combine(id.Directory, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Interlocked.Increment(ref _rejected);
        LogRejected(_logger, path, reason);
        Delete(path);
    }

    /// <summary>Queues stored block <paramref name="index"/> for writing (copied now); dropped if the queue is full.</summary>
    public void Enqueue(Identity id, long index, ReadOnlySpan<byte> stored)
    {
        var copy = ArrayPool<byte>.Shared.Rent(DiskBlockHeader.Size + stored.Length);
        DiskBlockHeader.Write(copy, id.KeyHash, id.ETagHash, index, stored);
        stored.CopyTo(copy.AsSpan(DiskBlockHeader.Size));
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(new PendingWrite(id.Directory, index, copy, DiskBlockHeader.Size + stored.Length)))
        {
            Interlocked.Decrement(ref _pending);
            ArrayPool<byte>.Shared.Return(copy);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Waits until everything queued so far is on disk (tests).</summary>
    internal async Task DrainAsync()
    {
        await _scan.ConfigureAwait(false);
        while (Interlocked.Read(ref _pending) > 0)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _scan.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        await Task.Yield();
        await _scan.ConfigureAwait(false);
        await foreach (var write in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await WriteFileAsync(write).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, write.Directory, e.Message);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(write.Buffer);
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private async Task WriteFileAsync(PendingWrite write)
    {
        Directory.CreateDirectory(write.Directory);
        var path = Path.Combine(write.Directory, write.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var temp = path + ".tmp";
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
        {
            await RandomAccess.WriteAsync(handle, write.Buffer.AsMemory(0, write.Length), 0).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
        List<string> victims;
        lock (_lock)
        {
            if (_index.Remove(path, out var old))
            {
                _used -= old.Size;
            }

            _index[path] = new FileEntry(write.Length, DateTime.UtcNow.Ticks);
            _used += write.Length;
            victims = _used > _capacity ? ChooseVictims() : [];
        }

        foreach (var victim in victims)
        {
            Delete(victim);
        }
    }

    /// <summary>Under the lock: removes the least recently used entries down to 90% of the budget.</summary>
    private List<string> ChooseVictims()
    {
        var target = (long)(_capacity * EvictTo);
        var victims = new List<string>();
        foreach (var (path, entry) in _index.OrderBy(p => p.Value.LastUse).ToList())
        {
            if (_used <= target)
            {
                break;
            }

            _index.Remove(path);
            _used -= entry.Size;
            victims.Add(path);
        }

        return victims;
    }

    private void Delete(string path)
    {
        lock (_lock)
        {
            if (_index.Remove(path, out var entry))
            {
                _used -= entry.Size;
            }
        }

        try
        {
            File.Delete(path);
            var dir = Path.GetDirectoryName(path)!;
            if (!Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
        catch (IOException)
        {
            // Another writer added a file to the directory meanwhile, or it is already gone: nothing to clean.
        }
    }

    /// <summary>Builds the index from the files already on disk (a restart keeps the cache); removes stray temp files.</summary>
    private void Scan()
    {
        List<string> victims;
        lock (_lock)
        {
            foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                if (file.Name.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    file.Delete();
                    continue;
                }

                _index[file.FullName] = new FileEntry(file.Length, file.LastWriteTimeUtc.Ticks);
                _used += file.Length;
            }

            victims = _used > _capacity ? ChooseVictims() : [];
        }

        foreach (var victim in victims)
        {
            Delete(victim);
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private void DeleteOtherVersions(string directory)
    {
        foreach (var dir in Directory.EnumerateDirectories(directory, "blocks-v*"))
        {
            if (!string.Equals(Path.GetFullPath(dir), Path.GetFullPath(_root), StringComparison.Ordinal))
            {
                LogOldVersion(_logger, dir);
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private readonly record struct FileEntry(long Size, long LastUse);

    private sealed record PendingWrite(string Directory, long Index, byte[] Buffer, int Length);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "Disk cache file {Path} discarded: {Problem}")]
    private static partial void LogRejected(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Warning, Message = "Disk cache file {Path} could not be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Warning, Message = "Disk cache write under {Directory} failed: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string directory, string error);

    [LoggerMessage(EventId = 1514, Level = LogLevel.Information, Message = "Deleting disk cache of another format version: {Directory}")]
    private static partial void LogOldVersion(ILogger logger, string directory);
}
