using S3Fs.Core.Content.Uploading;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Tests.Content;

/// <summary>The part plan as a pure function: table cases with exact plans, and S3's rules checked over random inputs.</summary>
public class PartPlannerTests
{
    private const long MiB = 1024 * 1024;
    private const int Block = 65536 + 28;

    /// <summary>A sealed 1 GiB file: 16,384 blocks of 64 KiB.</summary>
    private const long GiBBlocks = 16_384;

    private static PartPlanRequest Request(long blocks, bool canCopy, params BlockRun[] reusable) => new()
    {
        BlockCount = blocks,
        StoredBlockSize = Block,
        StoredSize = blocks * Block,
        Reusable = reusable,
        CanCopy = canCopy,
        MinPartSize = 5 * MiB,
        MaxPartSize = 5L * 1024 * MiB,
        MaxParts = 10_000,
        UploadPartSize = 8 * MiB,
        CopyPartSize = 512 * MiB,
    };

    private static string Describe(IReadOnlyList<PlannedPart> parts) =>
        string.Join(" ", parts.Select(p => $"{(p.Source == PartSource.Copy ? "C" : "U")}{p.FirstBlock}-{p.EndBlock}"));

    private static long Uploaded(IReadOnlyList<PlannedPart> parts) => parts.Where(p => p.Source == PartSource.Upload).Sum(p => p.Length);

    [Fact]
    public void Plan_OneMiBChangeInsideOneGiB_CopiesAroundAndUploadsAboutFiveMiB()
    {
        // Blocks 8192..8207 changed (1 MiB in the middle).
        var parts = PartPlanner.Plan(Request(GiBBlocks, canCopy: true, new BlockRun(0, 8192), new BlockRun(8208, GiBBlocks)));

        // 5 MiB = 80 blocks of 64 KiB + 28: the change (16 blocks) borrows 64 more from the run after it.
        // The copy parts stay below 512 MiB + 5 MiB (8,188 blocks plus a short tail merged in).
        Assert.Equal("C0-8192 U8192-8272 C8272-16384", Describe(parts));
        Assert.True(Uploaded(parts) <= 6 * MiB, Describe(parts));
        Assert.True(Uploaded(parts) >= 5 * MiB, Describe(parts));
        AssertValid(parts, Request(GiBBlocks, true));
    }

    [Fact]
    public void Plan_NoCopyCapability_UploadsEverythingInTargetParts()
    {
        var parts = PartPlanner.Plan(Request(GiBBlocks, canCopy: false, new BlockRun(0, GiBBlocks)));
        Assert.All(parts, p => Assert.Equal(PartSource.Upload, p.Source));

        // 8 MiB target = 127 blocks of 65,564 bytes per part: 16,384 / 127 = 129 parts (the remainder joins the last).
        Assert.Equal(129, parts.Count);
        Assert.Equal(GiBBlocks * Block, Uploaded(parts));
        AssertValid(parts, Request(GiBBlocks, false));
    }

    [Fact]
    public void Plan_ChangeAtTheStart_UploadsAMinimumPartThenCopies()
    {
        var parts = PartPlanner.Plan(Request(GiBBlocks, canCopy: true, new BlockRun(16, GiBBlocks)));
        Assert.Equal(PartSource.Upload, parts[0].Source);
        Assert.Equal(0, parts[0].FirstBlock);
        Assert.True(parts[0].Length >= 5 * MiB && parts[0].Length < (5 * MiB) + Block);
        Assert.All(parts.Skip(1), p => Assert.Equal(PartSource.Copy, p.Source));
        AssertValid(parts, Request(GiBBlocks, true));
    }

    [Fact]
    public void Plan_ChangeAtTheEnd_LastPartMayBeSmall()
    {
        var parts = PartPlanner.Plan(Request(GiBBlocks, canCopy: true, new BlockRun(0, GiBBlocks - 16)));
        Assert.Equal(PartSource.Upload, parts[^1].Source);
        Assert.Equal(16 * Block, parts[^1].Length);
        Assert.Equal(16 * Block, Uploaded(parts));
        AssertValid(parts, Request(GiBBlocks, true));
    }

    [Fact]
    public void Plan_ShortCleanRunBetweenChanges_IsAbsorbed()
    {
        // Changes at 100-110 and 120-130: the 10 clean blocks between them are far below 5 MiB.
        var parts = PartPlanner.Plan(Request(1000, canCopy: true, new BlockRun(0, 100), new BlockRun(110, 120), new BlockRun(130, 1000)));
        Assert.DoesNotContain(parts, p => p.Source == PartSource.Copy && p.FirstBlock == 110);
        var upload = Assert.Single(parts, p => p.Source == PartSource.Upload);
        Assert.True(upload.FirstBlock <= 100 && upload.EndBlock >= 130, Describe(parts));
        AssertValid(parts, Request(1000, true));
    }

    [Fact]
    public void Plan_ShortCopyBeforeTheChange_IsAbsorbedIntoTheUpload()
    {
        // 40 clean blocks (2.5 MiB) at the start cannot be a part of their own.
        var parts = PartPlanner.Plan(Request(1000, canCopy: true, new BlockRun(0, 40), new BlockRun(50, 1000)));
        Assert.Equal(PartSource.Upload, parts[0].Source);
        Assert.Equal(0, parts[0].FirstBlock);
        Assert.True(parts[0].EndBlock >= 50);
        AssertValid(parts, Request(1000, true));
    }

    [Fact]
    public void Plan_NothingChanged_OnlyCopies()
    {
        var parts = PartPlanner.Plan(Request(GiBBlocks, canCopy: true, new BlockRun(0, GiBBlocks)));
        Assert.All(parts, p => Assert.Equal(PartSource.Copy, p.Source));
        Assert.Equal(0, Uploaded(parts));

        // 512 MiB copies: 8,188 blocks per part; the 8 blocks left after two such parts join the second.
        Assert.Equal(2, parts.Count);
        AssertValid(parts, Request(GiBBlocks, true));
    }

    [Fact]
    public void Plan_ShortCopyAtTheEnd_StaysACopyAsTheLastPart()
    {
        var parts = PartPlanner.Plan(Request(300, canCopy: true, new BlockRun(290, 300)));
        Assert.Equal(PartSource.Copy, parts[^1].Source);
        Assert.Equal(290, parts[^1].FirstBlock);
        AssertValid(parts, Request(300, true));
    }

    [Fact]
    public void Plan_ChangeThatWouldLeaveTheNextCopyTooShort_AbsorbsIt()
    {
        // Change of 16 blocks, then 100 clean blocks (6.25 MiB), then a change: borrowing 64 would leave 36 (2.25 MiB).
        var parts = PartPlanner.Plan(Request(1000, canCopy: true, new BlockRun(0, 200), new BlockRun(216, 316), new BlockRun(330, 1000)));
        Assert.DoesNotContain(parts, p => p.Source == PartSource.Copy && p.FirstBlock > 200 && p.EndBlock <= 316);
        AssertValid(parts, Request(1000, true));
    }

    [Fact]
    public void Plan_TooManyParts_GrowsPartsToFitTheLimit()
    {
        // 5 TiB of 64 KiB blocks, every 100th block changed: far more than 10,000 minimum-size parts.
        const long blocks = 83_886_080;
        var reusable = new List<BlockRun>();
        for (long a = 0; a < blocks; a += 100_000)
        {
            reusable.Add(new BlockRun(a + 1, Math.Min(blocks, a + 100_000)));
        }

        var request = Request(blocks, canCopy: true) with { Reusable = reusable };
        var parts = PartPlanner.Plan(request);
        Assert.True(parts.Count <= 10_000, $"{parts.Count} parts");
        AssertValid(parts, request);
    }

    [Fact]
    public void Plan_ImpossibleLimits_FailsWithFileTooLarge()
    {
        var request = Request(GiBBlocks, canCopy: false) with { MaxParts = 2, MaxPartSize = 100 * MiB };
        var e = Assert.Throws<FsException>(() => PartPlanner.Plan(request));
        Assert.Equal(FsErrorCode.FileTooLarge, e.Code);
    }

    [Fact]
    public void Plan_PartialFinalBlock_LastPartHasTheShortLength()
    {
        var request = Request(200, canCopy: true, new BlockRun(0, 150)) with { StoredSize = (199L * Block) + 1000 };
        var parts = PartPlanner.Plan(request);
        Assert.Equal(request.StoredSize, parts[^1].Offset + parts[^1].Length);
        AssertValid(parts, request);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Plan_RandomChanges_AlwaysObeysS3Rules(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            var blocks = random.NextInt64(1, 5000);
            var reusable = new List<BlockRun>();
            long position = 0;
            while (position < blocks)
            {
                var gap = random.NextInt64(0, 200);
                var run = random.NextInt64(1, 400);
                var start = Math.Min(blocks, position + gap);
                var end = Math.Min(blocks, start + run);
                if (end > start)
                {
                    reusable.Add(new BlockRun(start, end));
                }

                position = end + 1;
            }

            var request = Request(blocks, canCopy: random.Next(4) != 0) with
            {
                Reusable = reusable,
                StoredSize = ((blocks - 1) * Block) + random.Next(29, Block + 1),
            };
            var parts = PartPlanner.Plan(request);
            AssertValid(parts, request);
            foreach (var p in parts.Where(p => p.Source == PartSource.Copy))
            {
                Assert.Contains(reusable, r => r.Start <= p.FirstBlock && p.EndBlock <= r.End);
            }
        }
    }

    /// <summary>S3's rules: exact ordered coverage in whole blocks, minimum size but for the last part, maximum size, part count.</summary>
    private static void AssertValid(IReadOnlyList<PlannedPart> parts, PartPlanRequest request)
    {
        Assert.NotEmpty(parts);
        Assert.True(parts.Count <= request.MaxParts);
        long block = 0;
        long offset = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            Assert.Equal(i + 1, p.Number);
            Assert.Equal(block, p.FirstBlock);
            Assert.Equal(offset, p.Offset);
            Assert.True(p.EndBlock > p.FirstBlock);
            Assert.True(p.Length <= request.MaxPartSize);
            if (i < parts.Count - 1)
            {
                Assert.True(p.Length >= request.MinPartSize, $"part {p.Number} ({p.Length} bytes) is below the minimum: {Describe(parts)}");
            }

            if (!request.CanCopy)
            {
                Assert.Equal(PartSource.Upload, p.Source);
            }

            block = p.EndBlock;
            offset += p.Length;
        }

        Assert.Equal(request.BlockCount, block);
        Assert.Equal(request.StoredSize, offset);
    }
}
