using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;
using S3Fs.Core.Tests.Conformance;
using S3Fs.Testing.Content;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Namespace;

/// <summary>
/// readdir of a directory being listed hands out each listing page's names as soon as no later page can change them
/// (<see cref="DirectoryLister"/>'s final callback, <see cref="DirectoryStream"/>), instead of after the last page.
/// </summary>
public sealed class StreamingReaddirTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ListAsync_FinalCallback_ReportsEachNameOnceWithItsFinalKindAndHoldsBackWhatALaterPageMayChange()
    {
        var store = new InMemoryObjectStore("stream");
        var keys = Enumerable.Range(0, 998).Select(i => $"d/a{i:D4}")       // keys 0-997
            .Concat(["d/b", "d/b-1"])                                          // 998, 999: the end of page 1
            .Concat(["d/b.txt", "d/b/inner", "d/c", "d/c_$folder$", "d/e"]); // page 2: b becomes a directory, so does c
        foreach (var key in keys)
        {
            await store.PutAsync(new PutRequest(key, new byte[] { 1 }), CancellationToken.None);
        }

        var reports = new List<IReadOnlyList<ListedChild>>();
        var lister = new DirectoryLister(store, NullLogger.Instance, 255);

        var children = await lister.ListAsync("d/", isVolumeRoot: false, int.MaxValue, CancellationToken.None, reports.Add);

        Assert.Equal(2, reports.Count);
        Assert.Equal(998, reports[0].Count); // 'b' and 'b-1' wait: 'b/' and 'b_$folder$' sort after the page's last key
        Assert.DoesNotContain(reports[0], c => c.Name.StartsWith('b'));
        var reported = reports.SelectMany(r => r).ToList();
        Assert.Equal(children!.Count, reported.Count);
        Assert.Equal(children.Keys.Order(StringComparer.Ordinal), reported.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(reported, c => Assert.Equal(children[c.Name].Kind, c.Kind));
        Assert.Equal(FileKind.Directory, reported.Single(c => c.Name == "b").Kind);
        Assert.Equal(FileKind.Directory, reported.Single(c => c.Name == "c").Kind);
        Assert.Equal(FileKind.RegularFile, reported.Single(c => c.Name == "b-1").Kind);
    }

    [Fact]
    public async Task ListAsync_RequestsTheNextPageBeforeHandingOnThisOne()
    {
        var recording = new RecordingStore(await StoreWithFilesAsync(2500));
        var lister = new DirectoryLister(recording, NullLogger.Instance, 255);
        var requestsSeenByCallback = new List<int>();

        var children = await lister.ListAsync("d/", isVolumeRoot: false, int.MaxValue, CancellationToken.None,
            _ => requestsSeenByCallback.Add(recording.Requests.Count));

        Assert.Equal(2500, children!.Count);
        Assert.Equal(3, recording.Requests.Count);
        // Page 1 was handed on after page 2 had been asked for, page 2 after page 3; page 3 is the last.
        Assert.Equal([2, 3, 3], requestsSeenByCallback);
    }

    [Fact]
    public async Task ListAsync_LargerThanItsPageLimit_IsNullWithoutAskingForAPageBeyondIt()
    {
        var recording = new RecordingStore(await StoreWithFilesAsync(2500));
        var lister = new DirectoryLister(recording, NullLogger.Instance, 255);

        Assert.Null(await lister.ListAsync("d/", isVolumeRoot: false, maxPages: 2, CancellationToken.None));
        Assert.Equal(2, recording.Requests.Count);

        recording.Requests.Clear();
        Assert.Equal(2500, (await lister.ListAsync("d/", isVolumeRoot: false, maxPages: 3, CancellationToken.None))!.Count);
        Assert.Equal(3, recording.Requests.Count);
    }

    [Fact]
    public async Task ListAsync_WhenALaterPageFails_FailsWithThatError()
    {
        var recording = new RecordingStore(await StoreWithFilesAsync(2500)) { FailPage = 2 };
        var lister = new DirectoryLister(recording, NullLogger.Instance, 255);
        var reports = 0;

        var e = await Assert.ThrowsAsync<ObjectStoreException>(async () =>
            await lister.ListAsync("d/", isVolumeRoot: false, int.MaxValue, CancellationToken.None, _ => reports++));

        Assert.Equal(ObjectStoreErrorKind.Transient, e.Kind);
        Assert.Equal(1, reports);
        Assert.Equal(2, recording.Requests.Count);
    }

    [Fact]
    public async Task ListAsync_WhenTheCallbackFails_WaitsOutThePageAlreadyRequestedAndFailsWithTheCallbacksError()
    {
        var recording = new RecordingStore(await StoreWithFilesAsync(2500));
        var lister = new DirectoryLister(recording, NullLogger.Instance, 255);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await lister.ListAsync("d/", isVolumeRoot: false, int.MaxValue, CancellationToken.None,
                _ => throw new InvalidOperationException("readdir went away (test)")));

        Assert.Equal("readdir went away (test)", e.Message);
        Assert.Equal(2, recording.Requests.Count); // page 2 had been asked for; nothing after it
        Assert.Equal(2, recording.Completed);      // and it was waited for, not left running
    }

    private static async Task<InMemoryObjectStore> StoreWithFilesAsync(int count)
    {
        var store = new InMemoryObjectStore("stream");
        for (var i = 0; i < count; i++)
        {
            await store.PutAsync(new PutRequest($"d/f{i:D4}", new byte[] { 1 }), CancellationToken.None);
        }

        return store;
    }

    /// <summary>Records the LIST requests in the order they were made; can fail the Nth.</summary>
    private sealed class RecordingStore(IObjectStore inner) : DelegatingObjectStore(inner)
    {
        private int _completed;

        public List<ListRequest> Requests { get; } = [];

        /// <summary>Requests that have returned or failed.</summary>
        public int Completed => Volatile.Read(ref _completed);

        public int FailPage { get; init; }

        public override async ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
        {
            int n;
            lock (Requests)
            {
                Requests.Add(request);
                n = Requests.Count;
            }

            try
            {
                await Task.Delay(10, cancellationToken);
                return n == FailPage
                    ? throw new ObjectStoreException(ObjectStoreErrorKind.Transient, "ListObjectsV2", "stream", request.Prefix, "failed on purpose (test)")
                    : await Inner.ListAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Increment(ref _completed);
            }
        }
    }

    [Fact]
    public async Task ReadDir_WhileTheSecondPageIsListed_HandsOutTheFirstPagesNames()
    {
        var memory = new InMemoryObjectStore("stream");
        // Three pages: too large for a lookup miss to list whole (it would probe the name instead).
        for (var i = 0; i < 2500; i++)
        {
            await memory.PutAsync(new PutRequest($"mnt/d/f{i:D4}", new byte[] { 1 }), CancellationToken.None);
        }

        var gated = new SecondPageGate(memory);
        var driver = new InProcessDriver(gated, "mnt/", s => new WholeObjectContentStore(s));
        await using var _ = driver;
        var fs = driver.FileSystem;
        var dir = (await fs.LookupAsync(IFileSystem.RootInode, "d", CancellationToken.None)).Inode;
        var open = await fs.OpenDirAsync(dir, CancellationToken.None);
        var sink = new CollectingSink(capacity: 100, wantsAttributes: false);
        long offset = 0;

        // Page 1 holds f0000-f0999; f0999 waits for the next page (a later 'f0999/' could make it a directory).
        while (sink.Names.Count(n => n is not "." and not "..") < 999)
        {
            sink.Added = 0;
            await fs.ReadDirAsync(dir, open.Handle, offset, sink, CancellationToken.None).AsTask().WaitAsync(Patience);
            Assert.True(sink.Added > 0, "readdir ended the directory before it was listed");
            offset = sink.LastOffset;
        }

        Assert.Equal(1, gated.HeldPages); // all of that while the second LIST was still waiting

        // A lookup meanwhile (ls -l stats what it read) waits for the listing instead of probing the name.
        var lookup = fs.LookupAsync(dir, "f1200", CancellationToken.None).AsTask();
        await Task.Delay(200);
        Assert.False(lookup.IsCompleted);
        gated.Release();
        Assert.Equal(1, (await lookup.WaitAsync(Patience)).Attributes.Size);
        Assert.DoesNotContain("mnt/d/f1200/", gated.ListedPrefixes);
        do
        {
            sink.Added = 0;
            await fs.ReadDirAsync(dir, open.Handle, offset, sink, CancellationToken.None).AsTask().WaitAsync(Patience);
            offset = sink.LastOffset;
        }
        while (sink.Added > 0);

        await fs.ReleaseDirAsync(dir, open.Handle, CancellationToken.None);
        var names = sink.Names.Where(n => n is not "." and not "..").ToList();
        Assert.Equal(2500, names.Count);
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => $"f{i:D4}"), names.Order(StringComparer.Ordinal));
    }

    /// <summary>Holds every LIST of a page after the first (one with a continuation token) until released.</summary>
    private sealed class SecondPageGate(IObjectStore inner) : DelegatingObjectStore(inner)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        public int HeldPages => Volatile.Read(ref _held);

        public void Release() => _release.TrySetResult();

        public System.Collections.Concurrent.ConcurrentBag<string> ListedPrefixes { get; } = [];

        public override async ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
        {
            ListedPrefixes.Add(request.Prefix);
            if (request.ContinuationToken is not null && !_release.Task.IsCompleted)
            {
                Interlocked.Increment(ref _held);
                await _release.Task.WaitAsync(cancellationToken);
            }

            return await Inner.ListAsync(request, cancellationToken);
        }
    }
}
