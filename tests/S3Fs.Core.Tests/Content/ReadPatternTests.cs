using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Tests.Content;

/// <summary>Telling sequential from random reads, which decides whether a page cache fill starts (<see cref="ReadPattern"/>).</summary>
public sealed class ReadPatternTests
{
    private const int K128 = 128 * 1024;

    [Fact]
    public void SequentialReadAhead_ServedInAnyOrderWithinTwelveRequests_AllContinue()
    {
        // What a loaded mount sees from cat: 128 KiB read-ahead requests, up to 12 in flight, served out of order.
        var pattern = new ReadPattern();
        var random = new Random(7);
        for (long batch = 0; batch < 512; batch++)
        {
            var offsets = Enumerable.Range(0, 12).Select(i => (batch * 12 + i) * K128).OrderBy(_ => random.Next()).ToList();
            foreach (var offset in offsets)
            {
                Assert.True(pattern.Continues(offset, K128), $"read at {offset} taken for a jump");
            }
        }
    }

    [Fact]
    public void RandomSmallReadsOverALargeFile_AreMostlyJumps()
    {
        var pattern = new ReadPattern();
        var random = new Random(11);
        const long size = 1L << 30;
        var continued = 0;
        for (var i = 0; i < 10_000; i++)
        {
            continued += pattern.Continues(random.NextInt64(size / 4096) * 4096, 4096) ? 1 : 0;
        }

        // Four streams of ±256 KiB each cover 2 MiB of 1 GiB: about 0.2% of random reads land in one by chance.
        Assert.InRange(continued, 0, 100);
    }

    [Fact]
    public void InterleavedSequentialStreams_OnOneHandle_AllContinueOnceStarted()
    {
        var pattern = new ReadPattern();
        const long second = 512L * 1024 * 1024, third = 900L * 1024 * 1024;
        Assert.False(pattern.Continues(second, K128)); // each stream's first read is a jump
        Assert.False(pattern.Continues(third, K128));
        for (long i = 0; i < 100; i++)
        {
            Assert.True(pattern.Continues(i * K128, K128));
            Assert.True(pattern.Continues(second + ((i + 1) * K128), K128));
            Assert.True(pattern.Continues(third + ((i + 1) * K128), K128));
        }
    }

    [Fact]
    public void AJumpBeyondTheWindow_StartsANewStream_AndItsNextReadContinuesIt()
    {
        var pattern = new ReadPattern();
        Assert.True(pattern.Continues(0, 4096)); // a new handle is positioned at 0
        Assert.False(pattern.Continues(ReadPattern.MinWindow + 8192, 4096));
        Assert.True(pattern.Continues(ReadPattern.MinWindow + 12288, 4096));
        Assert.False(pattern.Continues(100L * ReadPattern.MaxWindow, 1024 * 1024));
        Assert.True(pattern.Continues((100L * ReadPattern.MaxWindow) - (3L * 1024 * 1024), 1024 * 1024)); // behind, within 4 MiB
    }
}
