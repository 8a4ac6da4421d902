using S3Fs.Core.Content;
using S3Fs.Core.Content.Uploading;
using S3Fs.Core.Content.Writing;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Tests.Content;

/// <summary>The staging area: sealed on disk, private, unlinked, and authenticated when read back.</summary>
public class StagingFileTests
{
    private static readonly byte[] Marker = "staged plaintext marker, never on disk"u8.ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WriteAsync_DirtyFile_StagingFileHoldsNoPlaintext(bool encrypted)
    {
        await using var h = new ContentHarness(encrypted);
        var data = new byte[300_000];
        for (var i = 0; i + Marker.Length <= data.Length; i += Marker.Length)
        {
            Marker.CopyTo(data, i);
        }

        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data, chunk: 5000);
        var staging = ((FileContent)content).StagingFile!;
        var raw = staging.ReadRaw();

        Assert.True(raw.Length >= 70 * (ContentHarness.SmallBlock + StagingArea.Overhead));
        Assert.Equal(-1, raw.AsSpan().IndexOf(Marker.AsSpan(0, 12)));
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
    }

    [Fact]
    public void CreateFile_Always_DirectoryIsPrivateAndFilesAreUnlinked()
    {
        var root = Path.Combine(Path.GetTempPath(), "s3cfs-staging-test", Guid.NewGuid().ToString("N"));
        using (var area = new StagingArea(root))
        {
            using var file = area.CreateFile(4096);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(area.DirectoryPath));

                // Unlinked at once: nothing to find on disk even while it is in use (and nothing left after a crash).
                Assert.Empty(Directory.EnumerateFileSystemEntries(area.DirectoryPath));
            }
        }

        Assert.Empty(Directory.EnumerateDirectories(root));
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task ReadAsync_WrongGenerationOrSlot_FailsAuthentication()
    {
        var root = Path.Combine(Path.GetTempPath(), "s3cfs-staging-test", Guid.NewGuid().ToString("N"));
        try
        {
            using var area = new StagingArea(root);
            using var file = area.CreateFile(4096);
            var block = ContentHarness.Random(4096, 1);
            var a = file.Allocate();
            var b = file.Allocate();
            var first = await file.WriteAsync(a, 7, 1, block, null, CancellationToken.None);
            await file.WriteAsync(b, 7, 2, block, null, CancellationToken.None);
            Assert.Null(first.Format);

            var back = new byte[4096];
            await file.ReadAsync(first, 7, back, CancellationToken.None);
            Assert.Equal(block, back);

            // An older write of the block (replay), another block index, another slot's content: all refused.
            foreach (var (slot, index, generation) in new[] { (b, 7L, 1L), (a, 8L, 1L), (a, 7L, 2L) })
            {
                var e = await Assert.ThrowsAsync<FsException>(async () => await file.ReadAsync(new StagedBlock(slot, generation, null, 0), index, back, CancellationToken.None));
                Assert.Equal(FsErrorCode.IntegrityError, e.Code);
                Assert.All(back, x => Assert.Equal(0, x));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task WriteAsync_RewrittenBlocks_ReuseFreedSlots()
    {
        await using var h = new ContentHarness();
        await using var content = h.Content.CreateNew();
        var block = ContentHarness.Random(ContentHarness.SmallBlock, 2);
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                await content.WriteAsync(i * ContentHarness.SmallBlock, block, CancellationToken.None);
            }
        }

        var staging = ((FileContent)content).StagingFile!;
        Assert.Equal(10, staging.SlotsInUse);
        Assert.InRange(staging.ReadRaw().Length, 1, 11 * staging.SlotSize);
    }

    [Fact]
    public async Task SetSizeAndUpload_StagedBlocks_FreeTheirSlots()
    {
        await using var h = new ContentHarness();
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, ContentHarness.Random(100_000, 3));
        var staging = ((FileContent)content).StagingFile!;
        Assert.Equal(24, staging.SlotsInUse);
        await content.SetSizeAsync(10_000, CancellationToken.None);
        Assert.Equal(3, staging.SlotsInUse); // blocks 0, 1 and 2 (2 is now partial)
        await content.UploadAsync("f", new Dictionary<string, string>(), CancellationToken.None);
        Assert.Equal(0, staging.SlotsInUse);
        Assert.Equal(0, ((FileContent)content).StagedBlocks);
        Assert.Null(((FileContent)content).StagingFile); // its disk space is returned once everything is in S3
        await content.WriteAsync(0, new byte[ContentHarness.SmallBlock], CancellationToken.None);
        Assert.NotNull(((FileContent)content).StagingFile);
    }
}
