using System.Text;
using Microsoft.Extensions.Time.Testing;
using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;
using S3Fs.Core.Tests.Conformance;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Content;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Namespace;

/// <summary>The directory attribute index (FILE-FORMAT.md section 7): its format, and what it saves and never gets wrong.</summary>
public sealed class AttributeIndexTests
{
    private const string Dir = "d/";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, 500, TimeSpan.Zero);
    private static readonly string VectorPath = Path.Combine(AppContext.BaseDirectory, "TestVectors", "attribute-index", "v1.json");

    private static AttributeIndex VectorIndex() => new(Dir,
    [
        new IndexedEntry("b.txt", new ETag("9e107d9d372bb6826bd81d3542a419d6"), 4124, 1772366400, 4096, "text/plain",
            new Dictionary<string, string> { ["mode"] = "33188", ["uid"] = "1000", ["gid"] = "1000", ["mtime"] = "1772366399" }),
        new IndexedEntry("a link", new ETag("d41d8cd98f00b204e9800998ecf8427e-2"), 0, 1772366401, 0, null,
            new Dictionary<string, string> { ["mode"] = "41471" }),
        new IndexedEntry("caf\u00e9", new ETag("e4d909c290d0fb1ca068ffaddf22cbd0"), 10, 1772366402, 10, "application/octet-stream",
            new Dictionary<string, string>()),
    ]);

    [Fact]
    public void ToJson_GoldenVector_ByteExact()
    {
        var expected = File.ReadAllBytes(VectorPath);
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(VectorIndex().ToJson()));
    }

    [Fact]
    public void TryParse_GoldenVector_GivesEveryEntryBack()
    {
        var parsed = AttributeIndex.TryParse(File.ReadAllBytes(VectorPath), Dir, out var problem);

        Assert.Null(problem);
        Assert.NotNull(parsed);
        var original = VectorIndex();
        Assert.Equal(original.Entries.Keys, parsed.Entries.Keys);
        foreach (var (name, e) in original.Entries)
        {
            var p = parsed.Entries[name];
            Assert.Equal((e.ETag, e.ObjectSize, e.LastModifiedSeconds, e.PlainSize, e.ContentType), (p.ETag, p.ObjectSize, p.LastModifiedSeconds, p.PlainSize, p.ContentType));
            Assert.Equal(e.UserMetadata.OrderBy(x => x.Key, StringComparer.Ordinal), p.UserMetadata.OrderBy(x => x.Key, StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"format":"other","version":1,"directory":"d/","entries":[]}""", "format is 'other'")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":2,"directory":"d/","entries":[]}""", "version 2")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"e/","entries":[]}""", "directory 'e/'")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[],"extra":1}""", "not valid JSON")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[{"name":"a","etag":"x","size":-1,"lastModified":1,"plainSize":0,"contentType":null,"metadata":{}}]}""", "negative")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[{"name":"a","etag":"x","size":1,"lastModified":1,"plainSize":0,"contentType":null,"metadata":{}},{"name":"a","etag":"x","size":1,"lastModified":1,"plainSize":0,"contentType":null,"metadata":{}}]}""", "repeated")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[{"name":"a","size":1,"lastModified":1,"plainSize":0,"contentType":null,"metadata":{}}]}""", "incomplete")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[null]}""", "empty")]
    [InlineData("""{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[{"name":"a","etag":"x","size":1,"lastModified":1,"plainSize":1,"contentType":null,"metadata":{"mode":null}}]}""", "without a value")]
    public void TryParse_NotAnIndexOfThisDirectory_NullWithTheReason(string json, string reason)
    {
        Assert.Null(AttributeIndex.TryParse(Encoding.UTF8.GetBytes(json), Dir, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_EntryWithAnEnvelopeField_IsDropped()
    {
        var json = """{"format":"s3cfs-attribute-index","version":1,"directory":"d/","entries":[{"name":"a","etag":"x","size":1,"lastModified":1,"plainSize":1,"contentType":null,"metadata":{"s3cfs-key":"k"}},{"name":"b","etag":"y","size":1,"lastModified":1,"plainSize":1,"contentType":null,"metadata":{}}]}""";

        var parsed = AttributeIndex.TryParse(Encoding.UTF8.GetBytes(json), Dir, out _);

        Assert.Equal(["b"], parsed!.Entries.Keys);
    }

    [Fact]
    public void EntryFor_LeavesTheEnvelopeOutAndLowerCasesNames()
    {
        var md = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["S3cfs-Key"] = "wrapped", ["s3cfs-v"] = "1", ["Mode"] = "33188" } };

        var e = AttributeIndex.EntryFor("f", new ETag("e"), 100, Start, 72, md);

        Assert.Equal(new Dictionary<string, string> { ["mode"] = "33188" }, e.UserMetadata);
        Assert.Equal(Start.ToUnixTimeSeconds(), e.LastModifiedSeconds);
    }

    [Fact]
    public void Settled_TwoWholeSecondsBeforeTheServerDate()
    {
        var lastModified = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 900, TimeSpan.Zero);

        Assert.False(AttributeIndex.Settled(lastModified, lastModified.AddSeconds(1)));
        Assert.False(AttributeIndex.Settled(lastModified, new DateTimeOffset(2026, 3, 1, 12, 0, 1, 0, TimeSpan.Zero)));
        Assert.True(AttributeIndex.Settled(lastModified, new DateTimeOffset(2026, 3, 1, 12, 0, 2, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Describes_OnlyTheSameEtagSizeAndSecond()
    {
        var e = AttributeIndex.EntryFor("f", new ETag("e"), 100, Start, 100, new ObjectMetadata());

        Assert.True(e.Describes(new ETag("e"), 100, Start.AddMilliseconds(400)));
        Assert.False(e.Describes(new ETag("e"), 100, Start.AddSeconds(1)));
        Assert.False(e.Describes(new ETag("e"), 101, Start));
        Assert.False(e.Describes(new ETag("other"), 100, Start));
    }

    [Fact]
    public void KeyFor_HashOfTheDirectoryUnderTheMountsInternalFolder()
    {
        // SHA-256 of the empty string and of "d/".
        Assert.Equal("mnt/.s3cfs/attrs/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.json", AttributeIndex.KeyFor("mnt/", ""));
        Assert.Equal("mnt/.s3cfs/attrs/" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("d/"u8)) + ".json", AttributeIndex.KeyFor("mnt/", Dir));
    }

    [Fact]
    public async Task Remount_ListsWithOneGetOfTheIndexAndNoHead()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.Driver.RemountAsync();
        h.Time.Advance(TimeSpan.FromSeconds(3));

        h.Calls.Reset();
        Assert.Equal(20, (await h.Driver.ListAsync("d")).Count);
        Assert.Equal(20, h.Calls.FileHeads().Count); // first time: one HEAD per file...
        await h.Driver.RemountAsync(); // ...then the index is written (and drained at dispose)
        Assert.Equal([Harness.IndexKey], h.Calls.Keys("PUT"));
        Assert.True(await h.IndexExistsAsync());

        h.Calls.Reset();
        Assert.Equal(20, (await h.Driver.ListAsync("d")).Count);
        for (var i = 0; i < 20; i++)
        {
            var stat = (await h.Driver.StatAsync($"d/f{i:D2}"))!;
            Assert.Equal(i % 2 == 0 ? Convert.ToUInt32("640", 8) : Convert.ToUInt32("644", 8), stat.Mode); // 0640 and 0644 regular files
            Assert.Equal(100 + i, stat.Size);
        }

        Assert.Empty(h.Calls.FileHeads());
        Assert.Equal([Harness.IndexKey], h.Calls.Keys("GET")); // the index, and nothing else
        Assert.Empty(h.Calls.Keys("PUT")); // it was used, not rewritten
    }

    [Fact]
    public async Task MetadataChangedByAnotherClient_ThatFileIsReadAgain()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        await ChmodInPlaceAsync(h, "mnt/d/f03", "33152"); // 0600

        h.Calls.Reset();
        await h.Driver.ListAsync("d");

        Assert.Equal(Convert.ToUInt32("600", 8), (await h.Driver.StatAsync("d/f03"))!.Mode);
        Assert.Single(h.Calls.FileHeads());
    }

    [Fact]
    public async Task ChangedWithinTheSettleTime_NotIndexedUntilLater()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.Driver.RemountAsync();

        // The server's clock has not moved on 2 s since the files were written: nothing may be indexed yet.
        h.Calls.Reset();
        await h.Driver.ListAsync("d");
        await h.Driver.RemountAsync();
        Assert.Empty(h.Calls.Keys("PUT"));
        Assert.False(await h.IndexExistsAsync());

        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.Driver.ListAsync("d");
        await h.Driver.RemountAsync();
        Assert.True(await h.IndexExistsAsync());
    }

    [Fact]
    public async Task SmallDirectory_NoIndex()
    {
        await using var h = await Harness.SeedAsync(files: 10);
        await h.Driver.RemountAsync();
        h.Time.Advance(TimeSpan.FromSeconds(3));

        await h.Driver.ListAsync("d");
        await h.Driver.RemountAsync();

        Assert.False(await h.IndexExistsAsync());
    }

    [Fact]
    public async Task ReadOnlyMount_UsesAnIndexButNeverWritesOne()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await using var ro = new InProcessDriver(h.Calls, "mnt/", s => new WholeObjectContentStore(s), new FileSystemOptions { ReadOnly = true }, h.Time);
        h.Time.Advance(TimeSpan.FromSeconds(3));

        h.Calls.Reset();
        await ro.ListAsync("d");
        await ro.RemountAsync();
        Assert.Empty(h.Calls.Keys("PUT"));

        await h.IndexAsync();
        await ro.RemountAsync();
        h.Calls.Reset();
        await ro.ListAsync("d");
        Assert.Empty(h.Calls.FileHeads());
    }

    [Fact]
    public async Task OptionOff_NeitherReadsNorWritesAnIndex()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        await using var off = new InProcessDriver(h.Calls, "mnt/", s => new WholeObjectContentStore(s), new FileSystemOptions { AttributeIndex = false }, h.Time);
        await h.Memory.DeleteAsync(Harness.IndexKey, None); // so that a write would show

        h.Calls.Reset();
        await off.ListAsync("d");
        await off.RemountAsync();

        Assert.Equal(20, h.Calls.FileHeads().Count);
        Assert.Empty(h.Calls.Keys("GET"));
        Assert.Empty(h.Calls.Keys("PUT"));
    }

    [Fact]
    public async Task CorruptIndex_IgnoredThenRewritten()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        await h.Memory.PutAsync(new PutRequest(Harness.IndexKey, "{\"format\":"u8.ToArray()), None);

        h.Calls.Reset();
        await h.Driver.ListAsync("d");
        Assert.Equal(Convert.ToUInt32("640", 8), (await h.Driver.StatAsync("d/f00"))!.Mode);
        Assert.Equal(20, h.Calls.FileHeads().Count);
        await h.Driver.RemountAsync();

        h.Calls.Reset();
        await h.Driver.ListAsync("d");
        Assert.Empty(h.Calls.FileHeads());
    }

    [Fact]
    public async Task IndexOfAnotherDirectory_Ignored()
    {
        // d and e hold the same files written at the same second: d's entries would match e's objects.
        await using var h = await Harness.SeedAsync(files: 20, extra: async d =>
        {
            await d.MkDirAsync("e");
            for (var i = 0; i < 20; i++)
            {
                await d.WriteAllAsync($"e/f{i:D2}", [.. Enumerable.Repeat((byte)i, 100 + i)]);
            }
        });
        await h.IndexAsync();
        await h.Memory.PutAsync(new PutRequest(AttributeIndex.KeyFor("mnt/", "e/"), await h.IndexBodyAsync()), None);

        h.Calls.Reset();
        await h.Driver.ListAsync("e");

        Assert.Equal(20, h.Calls.FileHeads().Count); // every file of e read: the index names directory d/
        Assert.Equal(Convert.ToUInt32("644", 8), (await h.Driver.StatAsync("e/f00"))!.Mode);
    }
    [Fact]
    public async Task Symlink_KindComesFromTheIndex()
    {
        await using var h = await Harness.SeedAsync(files: 20, extra: d => d.SymlinkAsync("f00", "d/link"));
        await h.IndexAsync();

        h.Calls.Reset();
        await h.Driver.ListAsync("d");
        var stat = (await h.Driver.StatAsync("d/link"))!;

        Assert.Equal(FileKind.Symlink, stat.Kind);
        Assert.Equal(3, stat.Size);
        Assert.Empty(h.Calls.FileHeads());
        Assert.Equal("f00", await h.Driver.ReadLinkAsync("d/link"));
    }

    [Fact]
    public async Task ChmodAfterAnIndexedListing_ReadsTheObjectFirstAndKeepsItsEnvelope()
    {
        var temp = Path.Combine(Path.GetTempPath(), "s3cfs-index-tests", Guid.NewGuid().ToString("N"));
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        try
        {
            await using var h = await Harness.SeedAsync(files: 20, content: Sealed(key, temp));
            await h.IndexAsync();

            await h.Driver.ListAsync("d");
            h.Calls.Reset();
            await h.Driver.ChmodAsync("d/f05", Convert.ToUInt32("600", 8));
            Assert.Equal(["mnt/d/f05"], h.Calls.FileHeads()); // the envelope, which the index does not hold
            await h.Driver.RemountAsync();

            Assert.Equal(Convert.ToUInt32("600", 8), (await h.Driver.StatAsync("d/f05"))!.Mode);
            Assert.Equal(Enumerable.Repeat((byte)5, 105), await h.Driver.ReadAllAsync("d/f05"));
        }
        finally
        {
            DeleteTemp(temp);
        }
    }
    [Fact]
    public async Task ReaddirPlus_BufferFullEveryFewEntries_EachFileReadOnce()
    {
        // No index: every file is read. The driver's sink takes 7 entries per call, so a call ends on an entry
        // whose attributes were loaded but which the buffer refused; the next call must not read it again.
        await using var h = await Harness.SeedAsync(files: 20);
        await using var off = new InProcessDriver(h.Calls, "mnt/", s => new WholeObjectContentStore(s), new FileSystemOptions { AttributeIndex = false }, h.Time);

        h.Calls.Reset();
        Assert.Equal(20, (await off.ListAsync("d")).Count);

        Assert.Equal(20, h.Calls.FileHeadCount());
    }

    [Fact]
    public async Task RmDir_RemovesTheIndexWithTheDirectory()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();

        for (var i = 0; i < 20; i++)
        {
            await h.Driver.UnlinkAsync($"d/f{i:D2}");
        }

        await h.Driver.RmDirAsync("d");

        Assert.False(await h.IndexExistsAsync());
    }

    [Fact]
    public async Task PlainReaddir_DoesNotFetchTheIndex()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        var fs = h.Driver.FileSystem;
        var root = await fs.LookupAsync(1, "d", None);

        h.Calls.Reset();
        var open = await fs.OpenDirAsync(root.Attributes.Inode, None);
        var sink = new CollectingSink(capacity: 100, wantsAttributes: false);
        long offset = 0;
        do
        {
            sink.Added = 0;
            await fs.ReadDirAsync(root.Attributes.Inode, open.Handle, offset, sink, None);
            offset = sink.LastOffset;
        }
        while (sink.Added > 0);
        await fs.ReleaseDirAsync(root.Attributes.Inode, open.Handle, None);

        Assert.Equal(22, sink.Names.Count); // . and .. and the files
        Assert.Empty(h.Calls.Keys("GET"));
        Assert.Empty(h.Calls.FileHeads());
    }

    [Fact]
    public async Task EncryptedVolume_IndexHoldsNoEnvelopeAndFilesStillOpen()
    {
        var temp = Path.Combine(Path.GetTempPath(), "s3cfs-index-tests", Guid.NewGuid().ToString("N"));
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        try
        {
            await using var h = await Harness.SeedAsync(files: 20, content: Sealed(key, temp));
            await h.IndexAsync();

            var json = Encoding.UTF8.GetString(await h.IndexBodyAsync());
            var index = AttributeIndex.TryParse(Encoding.UTF8.GetBytes(json), Dir, out _)!;
            var stored = await h.Memory.HeadAsync(new HeadRequest("mnt/d/f07"), None);
            var envelope = stored.Metadata.UserMetadata.Where(p => p.Key.StartsWith("s3cfs-", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(envelope);
            foreach (var (name, value) in envelope)
            {
                Assert.DoesNotContain(name, json, StringComparison.OrdinalIgnoreCase);
                if (value.Length >= 16) // the wrapped data key and the like (short ones such as a version number match by chance)
                {
                    Assert.DoesNotContain(value, json, StringComparison.Ordinal);
                }
            }

            Assert.Equal(20, index.Entries.Count);
            Assert.Equal(107, index.Entries["f07"].PlainSize);
            Assert.NotEqual(107, stored.Size);
            Assert.Equal(stored.Size, index.Entries["f07"].ObjectSize);

            h.Calls.Reset();
            await h.Driver.ListAsync("d");
            Assert.Equal(107, (await h.Driver.StatAsync("d/f07"))!.Size);
            Assert.Empty(h.Calls.FileHeads());
            Assert.Equal(Enumerable.Repeat((byte)7, 107), await h.Driver.ReadAllAsync("d/f07"));
        }
        finally
        {
            DeleteTemp(temp);
        }
    }

    [Fact]
    public async Task SlowHead_ServerTimeBeforeItWasSentIsWhatCounts()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.Driver.RemountAsync();

        // The first HEAD takes 3 s of server time. What it read is only known to be from after the server's clock
        // showed the files' own second (when it was sent), so that file may not be indexed. (HEADs of a later batch,
        // sent after the clock moved on, may be.)
        var slow = 0;
        h.Calls.OnHead = key =>
        {
            if (!key.EndsWith('/') && Interlocked.Exchange(ref slow, 1) == 0)
            {
                h.Time.Advance(TimeSpan.FromSeconds(3));
            }
        };
        await h.Driver.ListAsync("d");
        h.Calls.OnHead = null;
        await h.Driver.RemountAsync();

        var first = h.Calls.FileHeads()[0];
        var index = await h.IndexExistsAsync() ? AttributeIndex.TryParse(await h.IndexBodyAsync(), Dir, out _) : null;
        Assert.DoesNotContain(first[(first.LastIndexOf('/') + 1)..], index?.Entries.Keys ?? []);
    }
    [Fact]
    public async Task MetadataChangedByAnotherClientDuringTheMount_SeenWhenTheListingIsRefreshed()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        await h.Driver.ListAsync("d");
        Assert.Equal(Convert.ToUInt32("644", 8), (await h.Driver.StatAsync("d/f03"))!.Mode);

        await ChmodInPlaceAsync(h, "mnt/d/f03", "33152");
        h.Time.Advance(TimeSpan.FromSeconds(30)); // past the listing's TTL
        await h.Driver.ListAsync("d");

        Assert.Equal(Convert.ToUInt32("600", 8), (await h.Driver.StatAsync("d/f03"))!.Mode);
    }

    [Fact]
    public async Task IndexClaimingAFileIsASymlink_ReadlinkRefusesToShowTheContent()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        await h.Memory.PutAsync(new PutRequest(Harness.IndexKey, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(await h.IndexBodyAsync())
            .Replace("\"mode\":\"33188\"", "\"mode\":\"41471\"", StringComparison.Ordinal))), None);

        await h.Driver.ListAsync("d");
        Assert.Equal(FileKind.Symlink, (await h.Driver.StatAsync("d/f01"))!.Kind); // shown as the index says

        var e = await Assert.ThrowsAsync<S3Fs.Conformance.FsDriverException>(() => h.Driver.ReadLinkAsync("d/f01"));
        Assert.Equal(FsErrorCode.IoError, e.Code);
    }

    [Fact]
    public async Task IndexWithAnImpossibleSize_EntryNotUsed()
    {
        await using var h = await Harness.SeedAsync(files: 20);
        await h.IndexAsync();
        await h.Memory.PutAsync(new PutRequest(Harness.IndexKey, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(await h.IndexBodyAsync())
            .Replace("\"plainSize\":102,", "\"plainSize\":1,", StringComparison.Ordinal))), None);

        h.Calls.Reset();
        await h.Driver.ListAsync("d");

        Assert.Equal(["mnt/d/f02"], h.Calls.FileHeads());
        Assert.Equal(102, (await h.Driver.StatAsync("d/f02"))!.Size);
    }

    private static Func<IObjectStore, IContentStore> Sealed(byte[] key, string temp) => s => new ContentStore(s, new ContentOptions
    {
        Ciphers = new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(key))),
        StagingDirectory = temp,
    });

    private static void DeleteTemp(string temp)
    {
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Another client's chmod: a copy of the object onto itself, one second later (same ETag and size).</summary>
    private static async Task ChmodInPlaceAsync(Harness h, string key, string mode)
    {
        var before = await h.Memory.HeadAsync(new HeadRequest(key), None);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var md = new Dictionary<string, string>(before.Metadata.UserMetadata) { ["mode"] = mode };
        await h.Memory.CopyAsync(new CopyRequest(key, key) { ReplaceMetadata = before.Metadata with { UserMetadata = md } }, None);
        Assert.Equal(before.ETag, (await h.Memory.HeadAsync(new HeadRequest(key), None)).ETag);
    }

    /// <summary>Records which keys were read with HEAD and GET and written with PUT.</summary>
    private sealed class KeyRecorder(IObjectStore inner) : DelegatingObjectStore(inner)
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Op, string Key)> _calls = new();

        /// <summary>Runs as each HEAD is sent (a test moves the clock with it).</summary>
        public Action<string>? OnHead { get; set; }

        public void Reset() => _calls.Clear();

        /// <summary>Distinct data files (not markers or the index) the mount read with HEAD.</summary>
        public List<string> FileHeads() => _calls.Where(c => c.Op == "HEAD" && !c.Key.EndsWith('/') && !c.Key.Contains("/.s3cfs/", StringComparison.Ordinal))
            .Select(c => c.Key).Distinct().ToList();

        /// <summary>HEADs of data files, each time one was read.</summary>
        public int FileHeadCount() => _calls.Count(c => c.Op == "HEAD" && !c.Key.EndsWith('/') && !c.Key.Contains("/.s3cfs/", StringComparison.Ordinal));

        public List<string> Keys(string op) => _calls.Where(c => c.Op == op).Select(c => c.Key).ToList();

        public override ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
        {
            _calls.Enqueue(("HEAD", request.Key));
            OnHead?.Invoke(request.Key);
            return base.HeadAsync(request, cancellationToken);
        }

        public override ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
        {
            _calls.Enqueue(("GET", request.Key));
            return base.GetRangeAsync(request, destination, cancellationToken);
        }

        public override ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken)
        {
            _calls.Enqueue(("PUT", request.Key));
            return base.PutAsync(request, cancellationToken);
        }
    }

    /// <summary>A store and a mount sharing one fake clock; files d/fNN of 100+NN bytes, even ones chmod 0640.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private Harness(FakeTimeProvider time, InMemoryObjectStore memory, KeyRecorder calls, InProcessDriver driver)
        {
            Time = time;
            Memory = memory;
            Calls = calls;
            Driver = driver;
        }

        public FakeTimeProvider Time { get; }

        public InMemoryObjectStore Memory { get; }

        /// <summary>What the mounts asked of the store (both go through it).</summary>
        public KeyRecorder Calls { get; }

        public InProcessDriver Driver { get; }

        public static string IndexKey => AttributeIndex.KeyFor("mnt/", Dir);

        public static async Task<Harness> SeedAsync(int files, Func<InProcessDriver, Task>? extra = null, Func<IObjectStore, IContentStore>? content = null)
        {
            var time = new FakeTimeProvider(Start);
            var memory = new InMemoryObjectStore("index", timeProvider: time);
            var calls = new KeyRecorder(memory);
            var driver = new InProcessDriver(calls, "mnt/", content ?? (s => new WholeObjectContentStore(s)), time: time);
            await driver.MkDirAsync("d");
            for (var i = 0; i < files; i++)
            {
                await driver.WriteAllAsync($"d/f{i:D2}", [.. Enumerable.Repeat((byte)i, 100 + i)]);
                if (i % 2 == 0)
                {
                    await driver.ChmodAsync($"d/f{i:D2}", Convert.ToUInt32("640", 8));
                }
            }

            if (extra is not null)
            {
                await extra(driver);
            }

            return new Harness(time, memory, calls, driver);
        }

        /// <summary>Lets the files settle, lists the directory in a fresh mount, and remounts (which writes the index).</summary>
        public async Task IndexAsync()
        {
            await Driver.RemountAsync();
            Time.Advance(TimeSpan.FromSeconds(3));
            await Driver.ListAsync("d");
            await Driver.RemountAsync();
            Assert.True(await IndexExistsAsync());
        }

        public async Task<bool> IndexExistsAsync()
        {
            try
            {
                await Memory.HeadAsync(new HeadRequest(IndexKey), None);
                return true;
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound)
            {
                return false;
            }
        }

        public async Task<byte[]> IndexBodyAsync()
        {
            var head = await Memory.HeadAsync(new HeadRequest(IndexKey), None);
            var body = new byte[head.Size];
            await Memory.GetRangeAsync(new GetRangeRequest(IndexKey, new ByteRange(0, head.Size)), body, None);
            return body;
        }

        public ValueTask DisposeAsync() => Driver.DisposeAsync();
    }
}
