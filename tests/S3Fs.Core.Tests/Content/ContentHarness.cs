using System.Security.Cryptography;
using S3Fs.Core.Content;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>
/// A content store over an in-memory bucket, with the decorators the tests look through: faults injected below the
/// counting layer (so a failed request is still counted), a fresh master key, and a private temporary directory for
/// staging and the disk cache that is deleted on dispose. Small blocks (4 KiB) and a small minimum part size make
/// multi-block and multipart behaviour cheap to exercise.
/// </summary>
public sealed class ContentHarness : IAsyncDisposable
{
    public const int SmallBlock = 4096;

    private readonly byte[] _masterKey = RandomNumberGenerator.GetBytes(32);
    private readonly List<ContentStore> _stores = [];

    public ContentHarness(bool encrypted = true, int blockSize = SmallBlock, ObjectStoreCapabilities? capabilities = null, Func<ContentOptions, ContentOptions>? configure = null)
    {
        Encrypted = encrypted;
        BlockSize = blockSize;
        Directory = Path.Combine(Path.GetTempPath(), "s3cfs-content-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Memory = new InMemoryObjectStore(capabilities: capabilities ?? TestCapabilities);
        Faults = new FaultInjectingObjectStore(Memory);
        Counting = new CountingObjectStore(Faults);
        Configure = configure;
        Content = NewStore();
    }

    /// <summary>AWS's features with a 64 KiB minimum part, so multipart needs only a few hundred KiB.</summary>
    public static ObjectStoreCapabilities TestCapabilities => ObjectStoreCapabilities.AwsDefaults with { MinPartSize = 64 * 1024 };

    public bool Encrypted { get; }

    public int BlockSize { get; }

    public string Directory { get; }

    public InMemoryObjectStore Memory { get; }

    public FaultInjectingObjectStore Faults { get; }

    public CountingObjectStore Counting { get; }

    public Func<ContentOptions, ContentOptions>? Configure { get; }

    public ContentStore Content { get; private set; }

    /// <summary>Options for a store of this harness (same key, same directories).</summary>
    public ContentOptions Options()
    {
        var ring = new MasterKeyRing(FileMasterKey.FromKey(_masterKey));
        var options = new ContentOptions
        {
            Ciphers = Encrypted ? new FileCipherFactory(ring, blockSize: BlockSize) : null,
            BlockSize = BlockSize,
            CacheSize = 4L << 20,
            StagingDirectory = Path.Combine(Directory, "staging"),
            UploadPartSize = 128 * 1024,
            CopyPartSize = 256 * 1024,
            SinglePutThreshold = 128 * 1024,
            InitialReadAhead = 16 * 1024,
            MaxReadAhead = 256 * 1024,
            MinReadRequest = 16 * 1024,
            MaxReadRequest = 64 * 1024,
        };
        return Configure is null ? options : Configure(options);
    }

    /// <summary>A new content store (a "remount": empty memory cache, same bucket, key and disk cache directory).</summary>
    public ContentStore NewStore()
    {
        var store = new ContentStore(Counting, Options());
        _stores.Add(store);
        return store;
    }

    public ContentStore Remount() => Content = NewStore();

    public async Task<ObjectInfo> HeadAsync(string key) => await Counting.HeadAsync(new HeadRequest(key), CancellationToken.None);

    /// <summary>Opens the stored object <paramref name="key"/> through the current store.</summary>
    public async Task<IFileContent> OpenAsync(string key) => await Content.OpenAsync(await HeadAsync(key), CancellationToken.None);

    /// <summary>A new file with <paramref name="data"/> written in <paramref name="chunk"/>-byte writes and uploaded to <paramref name="key"/>.</summary>
    public async Task<ObjectInfo> CreateAsync(string key, byte[] data, int chunk = 128 * 1024, IReadOnlyDictionary<string, string>? attributes = null)
    {
        await using var content = Content.CreateNew();
        await WriteAsync(content, 0, data, chunk);
        return await content.UploadAsync(key, attributes ?? new Dictionary<string, string>(), CancellationToken.None);
    }

    public static async Task WriteAsync(IFileContent content, long offset, byte[] data, int chunk = 128 * 1024)
    {
        for (var i = 0; i < data.Length; i += chunk)
        {
            await content.WriteAsync(offset + i, data.AsMemory(i, Math.Min(chunk, data.Length - i)), CancellationToken.None);
        }
    }

    /// <summary>Reads the whole content through a new reader in <paramref name="chunk"/>-byte reads.</summary>
    public static async Task<byte[]> ReadAllAsync(IFileContent content, int chunk = 128 * 1024)
    {
        using var reader = content.CreateReader();
        var result = new byte[content.Size];
        var offset = 0;
        while (offset < result.Length)
        {
            var n = await reader.ReadAsync(offset, result.AsMemory(offset, Math.Min(chunk, result.Length - offset)), CancellationToken.None);
            Assert.True(n > 0, $"read returned 0 at {offset} of {result.Length}");
            offset += n;
        }

        using var tail = content.CreateReader();
        Assert.Equal(0, await tail.ReadAsync(result.Length, new byte[16], CancellationToken.None));
        return result;
    }

    /// <summary>Reads <paramref name="key"/> back through a fresh store (nothing cached) and returns its bytes.</summary>
    public async Task<byte[]> ReadStoredAsync(string key)
    {
        var store = NewStore();
        await using var content = await store.OpenAsync(await HeadAsync(key), CancellationToken.None);
        return await ReadAllAsync(content);
    }

    public static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
