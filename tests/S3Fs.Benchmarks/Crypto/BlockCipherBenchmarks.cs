using BenchmarkDotNet.Attributes;
using S3Fs.Crypto.Ciphers;
using S3Fs.Crypto.Format;

namespace S3Fs.Benchmarks.Crypto;

/// <summary>
/// Seal and open of one block per block size, the numbers behind the default block size (docs/PERFORMANCE.md).
/// Measures <see cref="AesGcmBlockCipher"/> with its AAD and instance pool, which is all FileCipher adds to AES-GCM
/// besides two length checks. The MB/s column is plaintext bytes per second on one core.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes through [GlobalCleanup].")]
public class BlockCipherBenchmarks
{
    private AesGcmBlockCipher _cipher = null!;
    private byte[] _plain = null!;
    private byte[] _sealed = null!;
    private byte[] _opened = null!;
    private BlockAad _aad;

    [Params(4 * 1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024)]
    public int BlockSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var key = new byte[32];
        new Random(1).NextBytes(key);
        _cipher = new AesGcmBlockCipher(key);
        _plain = new byte[BlockSize];
        new Random(2).NextBytes(_plain);
        _sealed = new byte[BlockSize + FormatV1.BlockOverhead];
        _opened = new byte[BlockSize];
        _aad = new BlockAad(BlockSize, FileId.New(), 12345, false);
        _cipher.Seal(_plain, _sealed, _aad);
    }

    [GlobalCleanup]
    public void Cleanup() => _cipher.Dispose();

    [Benchmark]
    public int Seal() => _cipher.Seal(_plain, _sealed, _aad);

    [Benchmark]
    public int Open()
    {
        if (!_cipher.TryOpen(_sealed, _opened, _aad, out var written))
        {
            throw new InvalidOperationException("the benchmark block did not open");
        }

        return written;
    }
}
