using BenchmarkDotNet.Attributes;
using S3Fs.Crypto.Format;

namespace S3Fs.Benchmarks.Crypto;

/// <summary>The offset arithmetic on the read path: mapping a 1 MiB read to its blocks must cost next to nothing.</summary>
[MemoryDiagnoser]
public class BlockLayoutBenchmarks
{
    private readonly BlockLayout _layout = BlockLayout.Default;

    [Benchmark]
    public long Explode1MiBUnaligned()
    {
        long sum = 0;
        foreach (var slice in _layout.Explode(12_345_678, 1024 * 1024))
        {
            sum += slice.BlockIndex + slice.Length;
        }

        return sum;
    }

    [Benchmark]
    public long PlainSizeFromCipherSize() => _layout.PlainSizeFromCipherSize(1_000_448);
}
