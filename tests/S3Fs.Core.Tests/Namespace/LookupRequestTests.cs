using S3Fs.Core.Content;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Core.Tests.Conformance;
using S3Fs.Testing.Content;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Namespace;

/// <summary>What lookups of names in a directory nothing has listed yet cost in requests (in-memory store).</summary>
public sealed class LookupRequestTests
{
    private static async Task<(InProcessDriver Driver, CountingObjectStore Counts)> SeedAsync(int files)
    {
        var memory = new InMemoryObjectStore("lookups");
        for (var i = 0; i < files; i++)
        {
            await memory.PutAsync(new PutRequest($"mnt/d/f{i:D5}", new byte[] { (byte)i }), CancellationToken.None);
        }

        var counts = new CountingObjectStore(memory);
        return (new InProcessDriver(counts, "mnt/", s => new WholeObjectContentStore(s)), counts);
    }

    [Fact]
    public async Task Stat_EveryFileOfASmallDirectory_ListsTheDirectoryOnceInsteadOfProbingEachName()
    {
        var (driver, counts) = await SeedAsync(1500);
        await using var _ = driver;

        for (var i = 0; i < 1500; i += 7)
        {
            Assert.Equal(1, (await driver.StatAsync($"d/f{i:D5}"))!.Size);
        }

        Assert.Null(await driver.StatAsync("d/missing"));

        // The root's listing, then the 1,500 names in two pages; no one-key LIST of 'name/' per file.
        Assert.InRange(counts.Count(ObjectStoreOperation.List), 2, 4);
    }

    [Fact]
    public async Task Stat_InADirectoryTooLargeToList_ProbesTheNameAndStillFindsFilesAndMisses()
    {
        var (driver, counts) = await SeedAsync(2100);
        await using var _ = driver;

        Assert.Equal(1, (await driver.StatAsync("d/f02050"))!.Size);
        var afterFirst = counts.Count(ObjectStoreOperation.List);
        Assert.Equal(1, (await driver.StatAsync("d/f00003"))!.Size);
        Assert.Null(await driver.StatAsync("d/missing"));

        // After one attempt at listing the directory, each lookup probes its name: one LIST of 'name/' each.
        Assert.Equal(afterFirst + 2, counts.Count(ObjectStoreOperation.List));
    }

    [Fact]
    public async Task ReadBack_SmallFilesAfterRemount_OneGetPerFileAndNoHead()
    {
        var temp = Path.Combine(Path.GetTempPath(), "s3cfs-lookup-tests", Guid.NewGuid().ToString("N"));
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var counts = new CountingObjectStore(new InMemoryObjectStore("lookups"));
        var driver = new InProcessDriver(counts, "mnt/", s => new ContentStore(s, new ContentOptions
        {
            Ciphers = new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(key))),
            StagingDirectory = temp,
        }));
        try
        {
            await driver.MkDirAsync("d");
            for (var i = 0; i < 50; i++)
            {
                await driver.WriteAllAsync($"d/f{i:D3}", [.. Enumerable.Repeat((byte)i, 4096)]);
            }

            await driver.RemountAsync();
            counts.Reset();

            for (var i = 0; i < 50; i++)
            {
                Assert.Equal(Enumerable.Repeat((byte)i, 4096), await driver.ReadAllAsync($"d/f{i:D3}"));
            }

            // Listings of the root and of d and one HEAD of d's marker (a directory's mode and owner), then one GET per
            // file that brings both its metadata (exact attributes) and its content: no HEAD, no second GET at open.
            Assert.Equal(1, counts.Count(ObjectStoreOperation.Head));
            Assert.Equal(50, counts.Count(ObjectStoreOperation.GetRange));
            Assert.InRange(counts.Count(ObjectStoreOperation.List), 2, 3);
        }
        finally
        {
            await driver.DisposeAsync();
            Directory.Delete(temp, recursive: true);
        }
    }
}
