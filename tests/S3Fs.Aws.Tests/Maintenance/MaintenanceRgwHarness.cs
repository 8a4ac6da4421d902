using System.Security.Cryptography;
using S3Fs.Aws.Storage;
using S3Fs.Aws.Tests.Storage;
using S3Fs.Core.Content;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Maintenance;

/// <summary>
/// A unique prefix of the test RGW bucket, stores over it (plain, or with SSE-C keys), helpers to write encrypted
/// and plain objects, run a maintenance task and read files back through the content layer. Deletes what it wrote.
/// </summary>
internal sealed class MaintenanceRgwHarness : IAsyncDisposable
{
    public const int MiB = 1024 * 1024;

    private readonly List<IDisposable> _disposables = [];
    private readonly string _staging = Path.Combine(Path.GetTempPath(), "s3cfs-rgw-maintenance", Guid.NewGuid().ToString("N"));

    private MaintenanceRgwHarness(string prefix, S3ObjectStore store)
    {
        Prefix = prefix;
        Store = store;
        _disposables.Add(store);
    }

    public string Prefix { get; }

    /// <summary>A store with probed capabilities and no SSE.</summary>
    public S3ObjectStore Store { get; }

    public static async Task<MaintenanceRgwHarness> CreateAsync(string testName)
    {
        var prefix = RgwEnvironment.UniquePrefix(testName);
        return new MaintenanceRgwHarness(prefix, await Rgw.StoreAsync(prefix));
    }

    public static Dictionary<string, string> Attributes(string path) => new(StringComparer.Ordinal)
    {
        ["mode"] = "33188",
        ["uid"] = "1000",
        ["gid"] = "100",
        ["mtime"] = "1700000000.25",
        ["xattr"] = $"{{\"user.origin\":\"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(path))}\"}}",
    };

    public static FileCipherFactory Ciphers(byte[] primary, params byte[][] old) =>
        new(new MasterKeyRing(FileMasterKey.FromKey(primary), old.Select(k => (IMasterKey)FileMasterKey.FromKey(k))));

    /// <summary>Another store over the same prefix with its own settings (SSE-C keys, copy limits), probed.</summary>
    public async Task<S3ObjectStore> StoreAsync(Func<S3StoreOptions, S3StoreOptions> configure)
    {
        var store = await Rgw.StoreAsync(Prefix, configure);
        _disposables.Add(store);
        return store;
    }

    public CustomerKey NewCustomerKey()
    {
        var key = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        _disposables.Add(key);
        return key;
    }

    public static Func<S3StoreOptions, S3StoreOptions> SseC(CustomerKey current, params CustomerKey[] old) => o => o with
    {
        AllowHttpSseC = true, // the test RGW is plain HTTP on loopback
        ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.CustomerKey, CustomerKey = current, OldCustomerKeys = old },
    };

    /// <summary>Writes <paramref name="size"/> random bytes encrypted under the factory's primary key, with attributes.</summary>
    public async Task<byte[]> PutEncryptedAsync(IObjectStore store, FileCipherFactory ciphers, string path, int size, int seed)
    {
        var plain = Rgw.RandomBytes(size, seed);
        using var cipher = await ciphers.CreateAsync(Prefix + path, CancellationToken.None);
        var metadata = Attributes(path);
        foreach (var (k, v) in cipher.Metadata)
        {
            metadata[k] = v;
        }

        await store.PutAsync(new PutRequest(Prefix + path, cipher.SealAll(plain)) { Metadata = new ObjectMetadata { UserMetadata = metadata, ContentType = "application/x-test" } }, CancellationToken.None);
        return plain;
    }

    public Task<MaintenanceSummary> RunAsync(IObjectStore store, IMaintenanceTask task, RecordingObserver observer, int concurrency = 8)
        => new MaintenanceRunner(store, new MaintenanceRunOptions { Concurrency = concurrency })
            .RunAsync(new MaintenanceScope(Prefix), task, observer, CancellationToken.None);

    /// <summary>The file's bytes through the content layer (the mount's read path), with the given keys.</summary>
    public async Task<byte[]> ReadAsync(IObjectStore store, FileCipherFactory ciphers, string path)
    {
        var contents = new ContentStore(store, new ContentOptions { Ciphers = ciphers, StagingDirectory = _staging });
        await using var contentsScope = contents;
        var content = await contents.OpenAsync(await store.HeadAsync(new HeadRequest(Prefix + path), CancellationToken.None), CancellationToken.None);
        await using (content)
        {
            using var reader = content.CreateReader();
            var data = new byte[content.Size];
            for (var offset = 0; offset < data.Length;)
            {
                var n = await reader.ReadAsync(offset, data.AsMemory(offset, Math.Min(4 * MiB, data.Length - offset)), CancellationToken.None);
                Assert.True(n > 0, $"short read at {offset} of {data.Length}");
                offset += n;
            }

            return data;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Rgw.CleanAsync(Store, Prefix);
        foreach (var d in _disposables)
        {
            d.Dispose();
        }

        if (Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }
    }
}

/// <summary>Keeps every outcome a run reports.</summary>
internal sealed class RecordingObserver : IMaintenanceObserver
{
    private readonly List<ObjectOutcome> _outcomes = [];

    public IReadOnlyList<ObjectOutcome> Outcomes => _outcomes;

    public ObjectOutcome For(string path) => _outcomes.Single(o => o.Path == path);

    public void OnOutcome(ObjectOutcome outcome) => _outcomes.Add(outcome);

    public void OnProgress(MaintenanceProgress progress)
    {
    }
}
