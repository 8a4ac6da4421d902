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
                Assert.True(pattern.Continues(offset, K128, 1L << 30), $"read at {offset} taken for a jump");
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
            continued += pattern.Continues(random.NextInt64(size / 4096) * 4096, 4096, size) ? 1 : 0;
        }

        // Four streams of ±256 KiB each cover 2 MiB of 1 GiB: about 0.2% of random reads land in one by chance.
        Assert.InRange(continued, 0, 100);
    }

    [Fact]
    public void InterleavedSequentialStreams_OnOneHandle_AllContinueOnceStarted()
    {
        var pattern = new ReadPattern();
        const long second = 512L * 1024 * 1024, third = 900L * 1024 * 1024;
        Assert.False(pattern.Continues(second, K128, 1L << 30)); // each stream's first read is a jump
        Assert.False(pattern.Continues(third, K128, 1L << 30));
        for (long i = 0; i < 100; i++)
        {
            Assert.True(pattern.Continues(i * K128, K128, 1L << 30));
            Assert.True(pattern.Continues(second + ((i + 1) * K128), K128, 1L << 30));
            Assert.True(pattern.Continues(third + ((i + 1) * K128), K128, 1L << 30));
        }
    }

    [Fact]
    public void AJumpBeyondTheWindow_StartsANewStream_AndItsNextReadContinuesIt()
    {
        const long size = 1L << 30;
        var pattern = new ReadPattern();
        Assert.True(pattern.Continues(0, 4096, size)); // a new handle is positioned at 0
        Assert.False(pattern.Continues(ReadPattern.MinWindow + 8192, 4096, size));
        Assert.True(pattern.Continues(ReadPattern.MinWindow + 12288, 4096, size));
        Assert.False(pattern.Continues(100L * ReadPattern.MaxWindow, 1024 * 1024, size));
        Assert.True(pattern.Continues((100L * ReadPattern.MaxWindow) - (3L * 1024 * 1024), 1024 * 1024, size)); // behind, within 4 MiB
    }

    [Fact]
    public void AFifthStream_TakesTheLeastRecentlyUsedOnesPlace()
    {
        const long size = 1L << 30, apart = 64L * 1024 * 1024;
        var pattern = new ReadPattern();
        Assert.True(pattern.Continues(0, K128, size));                   // stream 0
        for (var s = 1; s < ReadPattern.Streams; s++)
        {
            Assert.False(pattern.Continues(s * apart, K128, size));      // streams 1 to 3
        }

        Assert.True(pattern.Continues(K128, K128, size));                // stream 0 used again: stream 1 is now the oldest
        Assert.False(pattern.Continues(10 * apart, K128, size));         // a fifth stream replaces stream 1
        Assert.True(pattern.Continues(2 * K128, K128, size));            // stream 0 kept
        Assert.True(pattern.Continues((2 * apart) + K128, K128, size));  // stream 2 kept
        Assert.True(pattern.Continues((10 * apart) + K128, K128, size)); // the fifth kept
        Assert.False(pattern.Continues(apart + K128, K128, size));       // stream 1 was the one dropped
    }

    [Fact]
    public void RandomSmallReadsOverASmallFile_AreStillMostlyJumps()
    {
        // A 2 MiB database read at random: the windows shrink with the file, so four recent streams cannot cover it.
        const long size = 2L * 1024 * 1024;
        var pattern = new ReadPattern();
        var random = new Random(3);
        var continued = 0;
        for (var i = 0; i < 10_000; i++)
        {
            continued += pattern.Continues(random.NextInt64(size / 4096) * 4096, 4096, size) ? 1 : 0;
        }

        Assert.InRange(continued, 0, 3_500); // the fill needs more random reads than sequential ones
    }
}
