using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Tests.Content;

/// <summary>Write, upload, reopen, read: every size class and alignment, encrypted and plain.</summary>
public class ContentStoreTests
{
    public static TheoryData<bool, int> Sizes()
    {
        var data = new TheoryData<bool, int>();
        foreach (var encrypted in new[] { true, false })
        {
            // Empty, one byte, around one and two blocks, single-PUT range, just above it (multipart), several parts.
            foreach (var size in new[] { 0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 100_000, 128 * 1024, (128 * 1024) + 1, 700_001 })
            {
                data.Add(encrypted, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task UploadThenRead_AnySize_RoundTrips(bool encrypted, int size)
    {
        await using var h = new ContentHarness(encrypted);
        var data = ContentHarness.Random(size, size);
        var stored = await h.CreateAsync("f", data, chunk: 10_000);

        var expectedStored = encrypted ? BlockLayout.ForBlockSize(ContentHarness.SmallBlock).CipherSizeFromPlainSize(size) : size;
        Assert.Equal(expectedStored, stored.Size);
        Assert.Equal(expectedStored, h.Memory.Peek("f")!.Body.Length);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
        Assert.Equal(size, h.Content.SizeOf(stored.Size, null));
        Assert.Equal(size, h.Content.SizeOf(stored.Size, (await h.HeadAsync("f")).Metadata));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Read_BeforeUpload_SeesWrites(bool encrypted, int size)
    {
        await using var h = new ContentHarness(encrypted);
        var data = ContentHarness.Random(size, size + 1);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data, chunk: 3000);
        Assert.True(content.IsDirty);
        Assert.Equal(size, content.Size);
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content, chunk: 5000));
    }

    public static TheoryData<bool, int, int> Overwrites()
    {
        var data = new TheoryData<bool, int, int>();
        foreach (var encrypted in new[] { true, false })
        {
            // Inside a block, exactly a block, across one boundary, across several, at the end, past the end (extends).
            foreach (var (offset, length) in new[] { (10, 100), (4096, 4096), (4000, 200), (1000, 20_000), (299_990, 10), (299_000, 5000), (350_000, 10) })
            {
                data.Add(encrypted, offset, length);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Overwrites))]
    public async Task Overwrite_AtOffset_KeepsTheRest(bool encrypted, int offset, int length)
    {
        await using var h = new ContentHarness(encrypted);
        var original = ContentHarness.Random(300_000, 1);
        await h.CreateAsync("f", original);

        var patch = ContentHarness.Random(length, 2);
        await using (var content = await h.OpenAsync("f"))
        {
            await content.WriteAsync(offset, patch, CancellationToken.None);
            await content.UploadAsync("f", new Dictionary<string, string>(), CancellationToken.None);
            Assert.False(content.IsDirty);
        }

        var expected = new byte[Math.Max(original.Length, offset + length)];
        original.CopyTo(expected, 0);
        patch.CopyTo(expected, offset);
        Assert.Equal(expected, await h.ReadStoredAsync("f"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reads_AtEveryAlignment_ReturnTheRightBytes(bool encrypted)
    {
        await using var h = new ContentHarness(encrypted);
        var data = ContentHarness.Random(50_000, 3);
        await h.CreateAsync("f", data);
        await using var content = await h.OpenAsync("f");
        using var reader = content.CreateReader();
        foreach (var (offset, length) in new[] { (0, 1), (4095, 2), (4096, 4096), (1, 49_999), (49_999, 10), (12_345, 20_000), (50_000, 5), (60_000, 5) })
        {
            var buffer = new byte[length];
            var n = await reader.ReadAsync(offset, buffer, CancellationToken.None);
            var expected = Math.Max(0, Math.Min(length, data.Length - offset));
            Assert.Equal(expected, n);
            Assert.Equal(data.AsSpan(Math.Min(offset, data.Length), expected).ToArray(), buffer[..n]);
        }
    }

    [Fact]
    public async Task Upload_Encrypted_StoresEnvelopeAndNoPlaintext()
    {
        await using var h = new ContentHarness(encrypted: true);
        var data = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("plaintext marker ", 1000)));
        var stored = await h.CreateAsync("f", data, attributes: new Dictionary<string, string> { ["mode"] = "33188" });

        var obj = h.Memory.Peek("f")!;
        Assert.Equal("1", obj.Metadata.UserMetadata[MetadataKeys.Version]);
        Assert.Equal("33188", obj.Metadata.UserMetadata["mode"]);
        Assert.Equal(-1, obj.Body.AsSpan().IndexOf("plaintext marker"u8));
        Assert.True(h.Content.IsContentMetadata("s3cfs-wk"));
        Assert.True(h.Content.IsContentMetadata("S3CFS-V"));
        Assert.False(h.Content.IsContentMetadata("mode"));
        Assert.Equal(stored.Metadata.UserMetadata[MetadataKeys.FileId], obj.Metadata.UserMetadata[MetadataKeys.FileId]);
    }

    [Fact]
    public async Task Upload_Plain_StoresTheBytesThemselves()
    {
        await using var h = new ContentHarness(encrypted: false);
        var data = ContentHarness.Random(10_000, 4);
        await h.CreateAsync("f", data);
        var obj = h.Memory.Peek("f")!;
        Assert.Equal(data, obj.Body);
        Assert.DoesNotContain(obj.Metadata.UserMetadata.Keys, k => k.StartsWith("s3cfs-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_PlainObjectInEncryptingVolume_ReadsAndRewriteEncrypts()
    {
        await using var h = new ContentHarness(encrypted: true);
        var data = ContentHarness.Random(300_000, 5);
        await h.Memory.PutAsync(new PutRequest("plain", data), CancellationToken.None);
        Assert.Equal(300_000, h.Content.SizeOf(300_000, (await h.HeadAsync("plain")).Metadata));

        await using (var content = await h.OpenAsync("plain"))
        {
            Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
            await content.WriteAsync(5, new byte[] { 1, 2, 3 }, CancellationToken.None);
            await content.UploadAsync("plain", new Dictionary<string, string>(), CancellationToken.None);
        }

        data[5] = 1;
        data[6] = 2;
        data[7] = 3;
        var obj = h.Memory.Peek("plain")!;
        Assert.True(obj.Metadata.UserMetadata.ContainsKey(MetadataKeys.WrappedKey));
        Assert.Equal(BlockLayout.ForBlockSize(ContentHarness.SmallBlock).CipherSizeFromPlainSize(data.Length), obj.Body.Length);
        Assert.Equal(data, await h.ReadStoredAsync("plain"));
    }

    [Fact]
    public async Task SizeOf_FromListing_DecidesByCipherSizeValidity()
    {
        await using var encrypting = new ContentHarness(encrypted: true);
        var layout = BlockLayout.ForBlockSize(ContentHarness.SmallBlock);
        Assert.Equal(0, encrypting.Content.SizeOf(28, null));
        Assert.Equal(4096, encrypting.Content.SizeOf(4124, null));
        Assert.Equal(5000, encrypting.Content.SizeOf(layout.CipherSizeFromPlainSize(5000), null));

        // 4125 bytes: a full block plus one byte, which no sealed body has: a plain object of that size.
        Assert.Equal(4125, encrypting.Content.SizeOf(4125, null));
        Assert.Equal(10, encrypting.Content.SizeOf(10, null));

        await using var plain = new ContentHarness(encrypted: false);
        Assert.Equal(4124, plain.Content.SizeOf(4124, null));
    }

    [Fact]
    public async Task SizeOf_WithEnvelope_UsesTheObjectsBlockSize()
    {
        await using var h = new ContentHarness(encrypted: true);
        var stored = await h.CreateAsync("f", ContentHarness.Random(9000, 6));
        var md = (await h.HeadAsync("f")).Metadata;
        Assert.Equal(9000, h.Content.SizeOf(stored.Size, md));

        // A plain volume still shows an encrypted object's plaintext size (it cannot open it).
        await using var plain = new ContentHarness(encrypted: false);
        Assert.Equal(9000, plain.Content.SizeOf(stored.Size, md));
    }

    [Fact]
    public async Task Open_EncryptedObjectInPlainVolume_FailsWithKeyUnavailable()
    {
        await using var h = new ContentHarness(encrypted: true);
        await h.CreateAsync("f", ContentHarness.Random(100, 7));
        await using var plain = new ContentHarness(encrypted: false);
        var e = await Assert.ThrowsAsync<FileSystem.FsException>(async () => await plain.Content.OpenAsync(await h.HeadAsync("f"), CancellationToken.None));
        Assert.Equal(FileSystem.FsErrorCode.KeyUnavailable, e.Code);
        Assert.Contains("'f'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relocate_ObjectCopiedAndDeleted_ReadsFromTheNewKey()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(100_000, 8);
        await h.CreateAsync("a", data);
        await using var content = await h.OpenAsync("a");
        var copy = await h.Memory.CopyAsync(new CopyRequest("a", "b"), CancellationToken.None);
        await h.Memory.DeleteAsync("a", CancellationToken.None);
        content.Relocate(new ObjectVersion("b", copy.ETag));
        Assert.Equal(new ObjectVersion("b", copy.ETag), content.Base);
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
    }
}
