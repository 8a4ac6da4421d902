using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using S3Fs.Core.Content;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Benchmarks.Content;

/// <summary>
/// The read path over the in-memory store, so that only our own work is measured: a warm sequential read (every
/// block a memory-cache hit: lookup, reference, copy), warm random 4 KiB reads (the hit path per request), and a cold
/// sequential read (ranged GETs from memory, AES-GCM open of every block, cache inserts and evictions, read-ahead).
/// The MB/s column is file bytes (10^6) per second. Encrypted and plain volumes.
/// </summary>
[Config(typeof(BytesThroughputConfig))]
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes through [GlobalCleanup].")]
public class ContentReadBenchmarks
{
    private const int ReadSize = 128 * 1024;
    private const int RandomReads = 256;
    private readonly string _staging = Path.Combine(Path.GetTempPath(), "s3cfs-bench", Guid.NewGuid().ToString("N"));
    private readonly byte[] _buffer = new byte[ReadSize];
    private InMemoryObjectStore _store = null!;
    private ContentStore _warmStore = null!;
    private IFileContent _warm = null!;
    private ObjectInfo _head = null!;
    private long[] _randomOffsets = null!;
    private byte[] _masterKey = null!;

    /// <summary>File size: 64 MiB, a quarter of the default cache, so the warm case stays warm.</summary>
    [Params(64 * 1024 * 1024)]
    public int Bytes { get; set; }

    [Params(true, false)]
    public bool Encrypted { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _masterKey = RandomNumberGenerator.GetBytes(32);
        _store = new InMemoryObjectStore();
        _warmStore = NewStore();
        var data = new byte[Bytes];
        new Random(1).NextBytes(data);
        await using (var file = _warmStore.CreateNew())
        {
            await file.WriteAsync(0, data, CancellationToken.None);
            await file.UploadAsync("bench", new Dictionary<string, string>(), CancellationToken.None);
        }

        _head = await _store.HeadAsync(new HeadRequest("bench"), CancellationToken.None);
        _warm = await _warmStore.OpenAsync(_head, CancellationToken.None);
        await ReadSequentialAsync(_warm);
        var random = new Random(2);
        _randomOffsets = Enumerable.Range(0, RandomReads).Select(_ => random.NextInt64(1, Bytes - 4096)).ToArray();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _warm.DisposeAsync();
        await _warmStore.DisposeAsync();
        Directory.Delete(_staging, recursive: true);
    }

    [Benchmark]
    public Task<long> WarmSequential() => ReadSequentialAsync(_warm);

    [Benchmark(OperationsPerInvoke = RandomReads)]
    public async Task<long> WarmRandom4KiB()
    {
        using var reader = _warm.CreateReader();
        long total = 0;
        foreach (var offset in _randomOffsets)
        {
            total += await reader.ReadAsync(offset, _buffer.AsMemory(0, 4096), CancellationToken.None);
        }

        return total;
    }

    /// <summary>A new store (empty cache) per operation; opening costs microseconds next to reading 64 MiB.</summary>
    [Benchmark]
    public async Task<long> ColdSequential()
    {
        await using var store = NewStore();
        await using var cold = await store.OpenAsync(_head, CancellationToken.None);
        return await ReadSequentialAsync(cold);
    }

    private async Task<long> ReadSequentialAsync(IFileContent content)
    {
        using var reader = content.CreateReader();
        long total = 0;
        for (long offset = 0; offset < Bytes; offset += ReadSize)
        {
            total += await reader.ReadAsync(offset, _buffer, CancellationToken.None);
        }

        return total;
    }

    private ContentStore NewStore() => new(_store, new ContentOptions
    {
        Ciphers = Encrypted ? new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(_masterKey))) : null,
        StagingDirectory = _staging,
    });
}
