
namespace S3Fs.Core.Tests.Content;

/// <summary>
/// Reference-model test: seeded random writes, truncations, extensions, reads, uploads and reopens applied both to
/// a file's content and to a plain byte array; after each read and at the end (uploaded, reopened through a fresh
/// store) the two must agree byte for byte. Small blocks and parts make every path (fill buffer, staging, partial
/// blocks, copy parts, borrowed blocks, single PUT, multipart) happen many times per run.
/// </summary>
public class FileContentTests
{
    private static readonly Dictionary<string, string> NoAttributes = [];

    public static TheoryData<int, bool, bool> Cases()
    {
        var data = new TheoryData<int, bool, bool>();
        for (var seed = 1; seed <= 6; seed++)
        {
            data.Add(seed, true, true);
            data.Add(seed, false, true);
            data.Add(seed, true, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WriteTruncateReadUpload_RandomOperations_MatchTheModel(int seed, bool encrypted, bool uploadPartCopy)
    {
        await using var h = new ContentHarness(encrypted, capabilities: ContentHarness.TestCapabilities with { UploadPartCopy = uploadPartCopy });
        var random = new Random(seed);
        var model = Array.Empty<byte>();
        var content = h.Content.CreateNew();
        const int block = ContentHarness.SmallBlock;
        try
        {
            for (var step = 0; step < 250; step++)
            {
                var op = random.Next(100);
                if (op < 45)
                {
                    var offset = random.Next(0, model.Length + (3 * block));
                    var length = random.Next(4) switch
                    {
                        0 => random.Next(1, 100),
                        1 => block,
                        2 => random.Next(1, 3 * block),
                        _ => random.Next(1, 40 * block),
                    };
                    if (random.Next(3) == 0)
                    {
                        offset -= offset % block; // aligned writes too, so whole-block staging is exercised
                    }

                    var data = ContentHarness.Random(length, random.Next());
                    await content.WriteAsync(offset, data, CancellationToken.None);
                    if (offset + length > model.Length)
                    {
                        Array.Resize(ref model, offset + length);
                    }

                    data.CopyTo(model, offset);
                }
                else if (op < 55)
                {
                    var size = random.Next(0, (model.Length * 3 / 2) + 10_000);
                    if (random.Next(3) == 0)
                    {
                        size -= size % block; // block-aligned sizes: the final block changes without a partial block
                    }

                    await content.SetSizeAsync(size, CancellationToken.None);
                    Array.Resize(ref model, size);
                }
                else if (op < 75)
                {
                    var offset = random.Next(0, model.Length + 100);
                    var buffer = new byte[random.Next(1, 20 * block)];
                    using var reader = content.CreateReader();
                    var n = await reader.ReadAsync(offset, buffer, CancellationToken.None);
                    var expected = Math.Max(0, Math.Min(buffer.Length, model.Length - offset));
                    Assert.Equal(expected, n);
                    Assert.True(buffer.AsSpan(0, n).SequenceEqual(model.AsSpan(Math.Min(offset, model.Length), n)), $"seed {seed} step {step}: read at {offset}+{n} differs");
                }
                else if (op < 90)
                {
                    await content.UploadAsync("m", NoAttributes, CancellationToken.None);
                    Assert.False(content.IsDirty);
                }
                else
                {
                    // Upload, forget everything local, reopen from the stored object.
                    await content.UploadAsync("m", NoAttributes, CancellationToken.None);
                    await content.DisposeAsync();
                    content = await h.Content.OpenAsync(await h.HeadAsync("m"), CancellationToken.None);
                }

                Assert.Equal(model.Length, content.Size);
            }

            await content.UploadAsync("m", NoAttributes, CancellationToken.None);
        }
        finally
        {
            await content.DisposeAsync();
        }

        Assert.Equal(model, await h.ReadStoredAsync("m"));
        var head = await h.HeadAsync("m");
        Assert.Equal(model.Length, h.Content.SizeOf(head.Size, null));
        Assert.Equal(model.Length, h.Content.SizeOf(head.Size, head.Metadata));
    }

    [Fact]
    public async Task SetSizeAsync_TruncateThenExtend_ReadsZerosWhereDataWas()
    {
        foreach (var encrypted in new[] { true, false })
        {
            await using var h = new ContentHarness(encrypted);
            var data = ContentHarness.Random(50_000, 1);
            await h.CreateAsync("f", data);
            await using var content = await h.OpenAsync("f");

            // Cut inside a block of the base, inside a staged block, then extend past both.
            await content.WriteAsync(30_000, new byte[] { 1, 2, 3, 4 }, CancellationToken.None);
            await content.SetSizeAsync(30_002, CancellationToken.None);
            await content.SetSizeAsync(10_001, CancellationToken.None);
            await content.SetSizeAsync(60_000, CancellationToken.None);

            var expected = new byte[60_000];
            data.AsSpan(0, 10_001).CopyTo(expected);
            Assert.Equal(expected, await ContentHarness.ReadAllAsync(content));
            await content.UploadAsync("f", NoAttributes, CancellationToken.None);
            Assert.Equal(expected, await h.ReadStoredAsync("f"));
        }
    }

    [Fact]
    public async Task UploadAsync_EmptyNewFile_StoresOneEmptyBlockAndReopensEmpty()
    {
        await using var h = new ContentHarness();
        await using (var content = h.Content.CreateNew())
        {
            Assert.True(content.IsDirty);
            var stored = await content.UploadAsync("e", NoAttributes, CancellationToken.None);
            Assert.Equal(28, stored.Size);
        }

        await using var reopened = await h.OpenAsync("e");
        Assert.Equal(0, reopened.Size);
        Assert.Empty(await ContentHarness.ReadAllAsync(reopened));
        await reopened.SetSizeAsync(0, CancellationToken.None);
        Assert.False(reopened.IsDirty);
    }

    [Fact]
    public async Task UploadAsync_ShrunkToZeroAndRewritten_FetchesNothingFromTheBase()
    {
        await using var h = new ContentHarness();
        await h.CreateAsync("f", ContentHarness.Random(500_000, 2));
        await using var content = await h.OpenAsync("f");
        await content.SetSizeAsync(0, CancellationToken.None);
        var data = ContentHarness.Random(10_000, 3);
        await content.WriteAsync(0, data, CancellationToken.None);
        h.Counting.Reset();
        await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.Equal(0, h.Counting.BytesDownloaded);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task WriteAsync_BeyondS3ObjectLimit_FailsWithFileTooLarge()
    {
        await using var h = new ContentHarness();
        await using var content = h.Content.CreateNew();
        var e = await Assert.ThrowsAsync<FileSystem.FsException>(async () => await content.WriteAsync(5L << 40, new byte[] { 1 }, CancellationToken.None));
        Assert.Equal(FileSystem.FsErrorCode.FileTooLarge, e.Code);
        var t = await Assert.ThrowsAsync<FileSystem.FsException>(async () => await content.SetSizeAsync(6L << 40, CancellationToken.None));
        Assert.Equal(FileSystem.FsErrorCode.FileTooLarge, t.Code);
        Assert.Equal(0, content.Size);
    }
}
