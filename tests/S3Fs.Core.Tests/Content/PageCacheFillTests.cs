using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>
/// Files read at random are copied into the kernel's page cache (here a recording fake): every block once, fetched
/// once, and never a store once something may change the file.
/// </summary>
public sealed class PageCacheFillTests : IAsyncDisposable
{
    private const int Block = 64 * 1024;
    private const int Size = 32 * Block; // 2 MiB
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly string _staging = Path.Combine(Path.GetTempPath(), "s3cfs-fill-tests", Guid.NewGuid().ToString("N"));
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly InMemoryObjectStore _memory = new("fill");
    private readonly CountingObjectStore _counts;
    private readonly byte[] _data = new byte[Size];
    private readonly List<S3FileSystem> _systems = [];
    private readonly List<RecordingPageCache> _caches = [];

    public PageCacheFillTests()
    {
        _counts = new CountingObjectStore(_memory);
        new Random(11).NextBytes(_data);
    }

    [Fact]
    public async Task RandomReads_CleanFile_StoresEveryBlockOnceAndFetchesTheFileOnce()
    {
        var (fs, cache, ino) = await ReadyAsync();
        var open = await fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        _counts.Reset();

        await RandomReadsAsync(fs, ino, open.Handle, count: 12);
        var fill = fs.PageFillOf(ino) ?? throw new InvalidOperationException("no fill started");
        await fill.Completion.WaitAsync(Wait);

        Assert.Equal(_data, cache.Pages);
        Assert.Equal(Size / Block, cache.StoredOffsets.Count); // every block stored, whether a read or the sweep brought it
        var stored = (await _memory.HeadAsync(new HeadRequest("f"), None)).Size;
        Assert.Equal(stored, _counts.BytesDownloaded); // and fetched once: the sweep skips what the reads brought in
        await fs.ReleaseAsync(ino, open.Handle, None);
    }

    [Fact]
    public async Task Reads_AfterTheFill_ComeFromTheSealedLocalCopyAndAreStoredAgain()
    {
        var (fs, cache, ino) = await ReadyAsync();
        var open = await fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        await RandomReadsAsync(fs, ino, open.Handle, count: 12);
        await fs.WaitForPageCacheFillAsync(ino).WaitAsync(Wait);
        var stores = cache.Stores;
        _counts.Reset();

        // Here every read reaches the filesystem (as after the kernel dropped its pages): none goes to S3.
        await RandomReadsAsync(fs, ino, open.Handle, count: 32); // each of the 32 blocks once
        Assert.Equal(0, _counts.BytesDownloaded);
        var deadline = DateTime.UtcNow + Wait;
        while (cache.Stores < stores + 32 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20); // each read's block is stored again, from the local copy
        }

        Assert.Equal(stores + 32, cache.Stores);
        Assert.Equal(_data, cache.Pages);

        // The local copy is sealed: no 32-byte run of the file's bytes is in it.
        var spool = ((Core.Content.Reading.PageCacheFill)fs.PageFillOf(ino)!).Spool!.ReadRaw();
        Assert.True(spool.Length >= Size);
        for (var at = 0; at < Size; at += 100_000)
        {
            Assert.Equal(-1, spool.AsSpan().IndexOf(_data.AsSpan(at, 32)));
        }

        await fs.ReleaseAsync(ino, open.Handle, None);
    }

    [Fact]
    public async Task SequentialReads_NeverStartAFill()
    {
        var (fs, cache, ino) = await ReadyAsync();
        var open = await fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        var buffer = new byte[128 * 1024];
        for (long offset = 0; offset < Size; offset += buffer.Length)
        {
            await fs.ReadAsync(ino, open.Handle, offset, buffer, None);
        }

        Assert.Null(fs.PageFillOf(ino));
        Assert.Equal(0, cache.Stores);
        await fs.ReleaseAsync(ino, open.Handle, None);
    }

    [Fact]
    public async Task RandomReads_WhileOpenForWriting_NoFill()
    {
        var (fs, cache, ino) = await ReadyAsync();
        var writer = await fs.OpenAsync(ino, OpenFlags.ReadWrite, None);
        var reader = await fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        await RandomReadsAsync(fs, ino, reader.Handle, count: 20);
        Assert.Null(fs.PageFillOf(ino));
        Assert.Equal(0, cache.Stores);

        // Once the writer is gone (and the file clean), random reads fill again.
        await fs.ReleaseAsync(ino, writer.Handle, None);
        await RandomReadsAsync(fs, ino, reader.Handle, count: 20);
        var fill = fs.PageFillOf(ino) ?? throw new InvalidOperationException("no fill after the writer closed");
        await fill.Completion.WaitAsync(Wait);
        Assert.Equal(_data, cache.Pages);
        await fs.ReleaseAsync(ino, reader.Handle, None);
    }

    [Fact]
    public async Task RandomReads_FileLargerThanTheLimit_NoFill()
    {
        var (fs, cache, ino) = await ReadyAsync(new FileSystemOptions { RandomReadFillMaxSize = Size - 1 });
        var open = await fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        await RandomReadsAsync(fs, ino, open.Handle, count: 20);
        Assert.Null(fs.PageFillOf(ino));
        Assert.Equal(0, cache.Stores);
        await fs.ReleaseAsync(ino, open.Handle, None);
    }

    [Theory]
    [InlineData("open for writing")]
    [InlineData("truncate")]
    [InlineData("last close")]
    public async Task Change_WhileAStoreIsInProgress_WaitsForItAndNothingIsStoredAfter(string change)
    {
        var (fs, cache, ino) = await ReadyAsync();
        var open = await fs.OpenAsync(ino, OpenFlags.ReadOnly, None);
        cache.Hold();
        await RandomReadsAsync(fs, ino, open.Handle, count: 8);
        Assert.NotNull(fs.PageFillOf(ino));
        await cache.FirstStoreEntered.WaitAsync(Wait);

        Task act = change switch
        {
            "open for writing" => fs.OpenAsync(ino, OpenFlags.ReadWrite, None).AsTask(),
            "truncate" => fs.SetAttrAsync(ino, new SetAttrRequest { Size = Block }, null, RequestContext.Root, None).AsTask(),
            _ => fs.ReleaseAsync(ino, open.Handle, None).AsTask(),
        };

        // The change cannot complete while the store it must not race with is still running: "changed" is recorded
        // the moment it does, so a change that did not wait would be recorded before the held store ends.
        var changed = act.ContinueWith(_ => cache.Events.Enqueue("changed"), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await Task.Delay(100);
        cache.Release();
        await changed.WaitAsync(Wait);
        await act;
        Assert.Null(fs.PageFillOf(ino));

        // Whatever the fill had still queued never reaches the cache.
        await Task.Delay(200);
        var events = cache.Events.ToArray();
        Assert.DoesNotContain("store", events.SkipWhile(e => e != "changed"));
        Assert.Equal("stored", events.TakeWhile(e => e != "changed").Last());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var fs in _systems)
        {
            await fs.DisposeAsync();
        }

        foreach (var cache in _caches)
        {
            cache.Dispose();
        }

        if (Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }
    }

    /// <summary>The 2 MiB file "f" stored by one mount, and a fresh mount (empty caches) with a recording page cache.</summary>
    private async Task<(S3FileSystem Fs, RecordingPageCache Cache, long Inode)> ReadyAsync(FileSystemOptions? options = null)
    {
        var writer = NewFileSystem(options);
        var (entry, created) = await writer.CreateAsync(IFileSystem.RootInode, "f", Convert.ToUInt32("644", 8), OpenFlags.WriteOnly, RequestContext.Root, None);
        await writer.WriteAsync(entry.Inode, created.Handle, 0, _data, None);
        await writer.FlushAsync(entry.Inode, created.Handle, None);
        await writer.ReleaseAsync(entry.Inode, created.Handle, None);

        var fs = NewFileSystem(options);
        var cache = new RecordingPageCache(Size);
        _caches.Add(cache);
        fs.KernelPageCache = cache;
        var ino = (await fs.LookupAsync(IFileSystem.RootInode, "f", None)).Inode;
        return (fs, cache, ino);
    }

    private S3FileSystem NewFileSystem(FileSystemOptions? options)
    {
        var content = new ContentStore(_counts, new ContentOptions
        {
            Ciphers = new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(_key))),
            StagingDirectory = _staging,
        });
        var fs = new S3FileSystem(_counts, content, options ?? new FileSystemOptions(), NullLogger.Instance);
        _systems.Add(fs);
        return fs;
    }

    /// <summary>4 KiB reads at scattered offsets, each checked against the file.</summary>
    private async Task RandomReadsAsync(S3FileSystem fs, long ino, ulong handle, int count)
    {
        var buffer = new byte[4096];
        for (var i = 0; i < count; i++)
        {
            var offset = (((i * 13) + 5) % (Size / Block) * (long)Block) + 512;
            Assert.Equal(buffer.Length, await fs.ReadAsync(ino, handle, offset, buffer, None));
            Assert.True(buffer.AsSpan().SequenceEqual(_data.AsSpan((int)offset, buffer.Length)));
        }
    }

    /// <summary>Records what is stored where; can hold the stores (a page locked by a read in flight).</summary>
    private sealed class RecordingPageCache(int size) : IKernelPageCache, IDisposable
    {
        private readonly ManualResetEventSlim _open = new(initialState: true);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _stores;

        public byte[] Pages { get; } = new byte[size];

        public int Stores => Volatile.Read(ref _stores);

        public ConcurrentQueue<string> Events { get; } = new();

        public ConcurrentDictionary<long, bool> StoredOffsets { get; } = new();

        public Task FirstStoreEntered => _entered.Task;

        public void Hold() => _open.Reset();

        public void Release() => _open.Set();

        public void Dispose() => _open.Dispose();

        public bool Store(long inode, long offset, ReadOnlySpan<byte> data)
        {
            Events.Enqueue("store");
            _entered.TrySetResult();
            Assert.True(_open.Wait(Wait));
            Interlocked.Increment(ref _stores);
            data.CopyTo(Pages.AsSpan((int)offset));
            StoredOffsets[offset] = true;
            Events.Enqueue("stored");
            return true;
        }
    }
}
