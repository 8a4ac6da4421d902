using System.Security.Cryptography;
using S3Fs.Core.Content;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Maintenance;

/// <summary>
/// An in-memory bucket with a volume under <see cref="Prefix"/>, master keys made on demand, and helpers to write
/// encrypted and plain objects, run a task, and read files back through the content layer.
/// </summary>
internal sealed class MaintenanceHarness : IDisposable
{
    public const string Prefix = "vol/";
    public const int BlockSize = 4096;

    private readonly string _staging = Directory.CreateTempSubdirectory("s3cfs-maint-").FullName;

    public InMemoryObjectStore Store { get; } = new("maintenance");

    /// <summary>Attributes every test object carries, so tests can check they survive.</summary>
    public static Dictionary<string, string> Attributes(string name) => new(StringComparer.Ordinal)
    {
        ["mode"] = "33188",
        ["uid"] = "1000",
        ["mtime"] = "1700000000.5",
        ["xattr"] = $"{{\"user.tag\":\"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(name))}\"}}",
        ["other-tool"] = "kept",
    };

    public static byte[] Key() => RandomNumberGenerator.GetBytes(32);

    /// <summary>A factory over fresh key objects made from <paramref name="primary"/> and <paramref name="old"/> key bytes.</summary>
    public static FileCipherFactory Ciphers(byte[] primary, params byte[][] old) =>
        new(new MasterKeyRing(FileMasterKey.FromKey(primary), old.Select(k => (IMasterKey)FileMasterKey.FromKey(k))), null, BlockSize);

    public static string KeyIdOf(byte[] key)
    {
        using var k = FileMasterKey.FromKey(key);
        return k.KeyId;
    }

    /// <summary>Writes a pattern of <paramref name="size"/> bytes encrypted under <paramref name="ciphers"/>' primary key, with attributes and a content type.</summary>
    public async Task<byte[]> PutEncryptedAsync(FileCipherFactory ciphers, string path, int size, int seed = 1)
    {
        var plain = Pattern(size, seed);
        using var cipher = await ciphers.CreateAsync(Prefix + path, CancellationToken.None);
        var metadata = new Dictionary<string, string>(Attributes(path), StringComparer.Ordinal);
        foreach (var (k, v) in cipher.Metadata)
        {
            metadata[k] = v;
        }

        await Store.PutAsync(new PutRequest(Prefix + path, cipher.SealAll(plain)) { Metadata = new ObjectMetadata { UserMetadata = metadata, ContentType = "text/x-test" } }, CancellationToken.None);
        return plain;
    }

    /// <summary>Writes a plain object with attributes (unless <paramref name="withAttributes"/> is false) and a content type.</summary>
    public async Task<byte[]> PutPlainAsync(string path, int size, int seed = 1, bool withAttributes = true)
    {
        var plain = Pattern(size, seed);
        var metadata = withAttributes ? Attributes(path) : new Dictionary<string, string>(StringComparer.Ordinal);
        await Store.PutAsync(new PutRequest(Prefix + path, plain) { Metadata = new ObjectMetadata { UserMetadata = metadata, ContentType = "text/x-test" } }, CancellationToken.None);
        return plain;
    }

    public Task<MaintenanceSummary> RunAsync(IMaintenanceTask task, RecordingObserver? observer = null, string subPath = "", IObjectStore? store = null, int concurrency = 4, CancellationToken cancellationToken = default)
        => new MaintenanceRunner(store ?? Store, new MaintenanceRunOptions { Concurrency = concurrency })
            .RunAsync(new MaintenanceScope(Prefix, subPath), task, observer ?? new RecordingObserver(), cancellationToken);

    public Task<ObjectInfo> HeadAsync(string path) => Store.HeadAsync(new HeadRequest(Prefix + path), CancellationToken.None).AsTask();

    /// <summary>The file's bytes through the content layer (ContentStore), with the given keys.</summary>
    public async Task<byte[]> ReadAsync(FileCipherFactory ciphers, string path)
    {
        var contents = new ContentStore(Store, new ContentOptions { Ciphers = ciphers, BlockSize = BlockSize, StagingDirectory = _staging });
        await using var contentsScope = contents;
        var content = await contents.OpenAsync(await HeadAsync(path), CancellationToken.None);
        await using (content)
        {
            using var reader = content.CreateReader();
            var data = new byte[content.Size];
            for (var offset = 0; offset < data.Length;)
            {
                var n = await reader.ReadAsync(offset, data.AsMemory(offset), CancellationToken.None);
                Assert.True(n > 0, $"short read at {offset} of {data.Length}");
                offset += n;
            }

            return data;
        }
    }

    /// <summary>Replaces the stored body of <paramref name="path"/>, keeping its metadata (a tampering bucket writer).</summary>
    public async Task RewriteBodyAsync(string path, Func<byte[], byte[]> change)
    {
        var head = await HeadAsync(path);
        var body = Store.Peek(head.Key)!.Body;
        await Store.PutAsync(new PutRequest(head.Key, change(body.ToArray())) { Metadata = head.Metadata }, CancellationToken.None);
    }

    /// <summary>Edits the user metadata of <paramref name="path"/> in place (a bucket writer changing an envelope).</summary>
    public async Task ChangeMetadataAsync(string path, Action<Dictionary<string, string>> change)
    {
        var head = await HeadAsync(path);
        var metadata = head.Metadata.UserMetadata.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        change(metadata);
        await Store.CopyAsync(new CopyRequest(head.Key, head.Key) { ReplaceMetadata = head.Metadata with { UserMetadata = metadata } }, CancellationToken.None);
    }

    public static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => Directory.Delete(_staging, recursive: true);
}

/// <summary>Keeps every outcome and progress snapshot a run reports.</summary>
internal sealed class RecordingObserver : IMaintenanceObserver
{
    private int _inside;

    public List<ObjectOutcome> Outcomes { get; } = [];

    public List<MaintenanceProgress> Progress { get; } = [];

    /// <summary>Set when the runner called in from two threads at once (it promises not to).</summary>
    public bool Overlapped { get; private set; }

    public ObjectOutcome For(string path) => Outcomes.Single(o => o.Path == path);

    public void OnOutcome(ObjectOutcome outcome) => Guarded(() => Outcomes.Add(outcome));

    public void OnProgress(MaintenanceProgress progress) => Guarded(() => Progress.Add(progress));

    private void Guarded(Action action)
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Overlapped = true;
        }

        Thread.Sleep(1); // widen the window a concurrent call would need
        action();
        Interlocked.Decrement(ref _inside);
    }
}
