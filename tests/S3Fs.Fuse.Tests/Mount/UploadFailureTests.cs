using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// What a program sees when S3 does not take a write, through a real mount served in-process over
/// <see cref="FaultInjectingObjectStore"/> wrapping S3ObjectStore on the local RGW: close(2) and fsync(2) report EIO,
/// nothing is lost, and once the store is healthy again the data gets stored (by the background retry or at unmount)
/// byte for byte. And fsync returns only once the object is in S3.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
[Collection(NoProcessStartsCollection.Name)]
public sealed class UploadFailureTests
{
    /// <summary>The retrier's first delay is 1 s, then 2 s, 4 s...; 30 s is far beyond its first rounds.</summary>
    private static readonly TimeSpan RetryWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Close_SinglePutFails_ReturnsEioKeepsDataAndBackgroundRetryStoresIt()
    {
        await using var volume = await MountVolume.CreateAsync("close-eio");
        FaultInjectingObjectStore? faults = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => faults = new FaultInjectingObjectStore(s));
        var data = RandomBytes(300_000, seed: 1);
        var key = volume.Prefix + "f.bin";

        faults!.FailNext(ObjectStoreOperation.Put, 1000, ObjectStoreErrorKind.Transient, "injected: S3 unreachable");
        var (writeErrno, closeErrno) = await WriteAndCloseAsync(mount.PathOf("f.bin"), data);
        Assert.Equal(0, writeErrno);
        Assert.Equal(Posix.EIO, closeErrno);
        Assert.Null(await HeadOrNullAsync(volume, key));

        // Nothing is lost: the file still reads back, from local staging.
        Assert.Equal(data, await ReadAsync(mount.PathOf("f.bin")));

        faults.ClearFaults();
        await WaitForObjectAsync(volume, key);
        await mount.RemountAsync();
        Assert.Equal(data, await ReadAsync(mount.PathOf("f.bin")));
    }

    [Fact]
    public async Task Close_MultipartUploadFails_ReturnsEioAndUnmountStoresItOnceHealed()
    {
        await using var volume = await MountVolume.CreateAsync("multipart-eio");
        FaultInjectingObjectStore? faults = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => faults = new FaultInjectingObjectStore(s));
        var data = RandomBytes((20 << 20) + 4321, seed: 2); // several parts, early upload included
        var key = volume.Prefix + "big.bin";

        faults!.FailNext(ObjectStoreOperation.UploadPart, 100_000, ObjectStoreErrorKind.Transient, "injected: part upload failed");
        var (writeErrno, closeErrno) = await WriteAndCloseAsync(mount.PathOf("big.bin"), data);
        Assert.Equal(0, writeErrno);
        Assert.Equal(Posix.EIO, closeErrno);
        Assert.Null(await HeadOrNullAsync(volume, key));

        faults.ClearFaults();
        await mount.UnmountAsync(); // FlushAll: whatever the retrier has not done yet happens here, and must succeed
        Assert.NotNull(await HeadOrNullAsync(volume, key));
        await mount.MountAsync();
        Assert.Equal(data, await ReadAsync(mount.PathOf("big.bin")));
    }

    [Fact]
    public async Task Fsync_Succeeds_ObjectIsInS3WhenItReturns()
    {
        await using var volume = await MountVolume.CreateAsync("fsync");
        await using var mount = await InProcessMount.StartAsync(volume);
        var key = volume.Prefix + "journal";
        var first = RandomBytes(70_000, seed: 3);
        var second = RandomBytes(5_000, seed: 4);

        var path = mount.PathOf("journal");
        var (etags, closeErrno) = await Task.Run(async () =>
        {
            var (fd, errno) = Posix.Open(path, Posix.OWriteOnly | Posix.OCreate | Posix.OExclusive);
            Assert.Equal(0, errno);
            try
            {
                Assert.Equal(0, Posix.WriteAll(fd, first, 0));
                Assert.Equal(0, Posix.Fsync(fd));
                var afterFirst = await HeadOrNullAsync(volume, key); // HEAD right after fsync returned
                Assert.Equal(0, Posix.WriteAll(fd, second, first.Length));
                Assert.Equal(0, Posix.Fsync(fd));
                var afterSecond = await HeadOrNullAsync(volume, key);
                return ((afterFirst?.ETag, afterSecond?.ETag), 0);
            }
            finally
            {
                Posix.Close(fd);
            }
        }).WaitAsync(Proc.DefaultTimeout);

        Assert.Equal(0, closeErrno);
        Assert.NotNull(etags.Item1);
        Assert.NotNull(etags.Item2);
        Assert.NotEqual(etags.Item1, etags.Item2);
        await mount.RemountAsync();
        var expected = first.Concat(second).ToArray();
        Assert.Equal(expected, await ReadAsync(mount.PathOf("journal")));
    }

    [Fact]
    public async Task Fsync_UploadFails_ReturnsEioAndLaterFsyncStoresIt()
    {
        await using var volume = await MountVolume.CreateAsync("fsync-eio");
        FaultInjectingObjectStore? faults = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => faults = new FaultInjectingObjectStore(s));
        var key = volume.Prefix + "db";
        var data = RandomBytes(10_000, seed: 5);

        var path = mount.PathOf("db");
        var (firstFsync, storedAfterFailure, secondFsync, storedAfterSecond) = await Task.Run(async () =>
        {
            var (fd, errno) = Posix.Open(path, Posix.OReadWrite | Posix.OCreate | Posix.OExclusive);
            Assert.Equal(0, errno);
            try
            {
                Assert.Equal(0, Posix.WriteAll(fd, data, 0));
                faults!.FailNext(ObjectStoreOperation.Put, 1000, ObjectStoreErrorKind.Transient, "injected: S3 unreachable");
                var failed = Posix.Fsync(fd);
                var stored = await HeadOrNullAsync(volume, key) is not null;
                faults.ClearFaults();
                var succeeded = Posix.Fsync(fd);
                return (failed, stored, succeeded, await HeadOrNullAsync(volume, key) is not null);
            }
            finally
            {
                Posix.Close(fd);
            }
        }).WaitAsync(Proc.DefaultTimeout);

        Assert.Equal(Posix.EIO, firstFsync);
        Assert.False(storedAfterFailure);
        Assert.Equal(0, secondFsync);
        Assert.True(storedAfterSecond);
        await mount.RemountAsync();
        Assert.Equal(data, await ReadAsync(mount.PathOf("db")));
    }

    internal static byte[] RandomBytes(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>open + write + close through libc; returns the errnos of the write and of the close.</summary>
    private static Task<(int Write, int Close)> WriteAndCloseAsync(string path, byte[] data) => Task.Run(() =>
    {
        var (fd, errno) = Posix.Open(path, Posix.OWriteOnly | Posix.OCreate | Posix.OTruncate);
        Assert.Equal(0, errno);
        var write = Posix.WriteAll(fd, data, 0);
        return (write, Posix.Close(fd));
    }).WaitAsync(Proc.DefaultTimeout);

    private static Task<byte[]> ReadAsync(string path) => Task.Run(() => File.ReadAllBytes(path)).WaitAsync(Proc.DefaultTimeout);

    private static async Task<ObjectInfo?> HeadOrNullAsync(MountVolume volume, string key)
    {
        try
        {
            return await volume.Store.HeadAsync(new HeadRequest(key), CancellationToken.None);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound)
        {
            return null;
        }
    }

    private static async Task WaitForObjectAsync(MountVolume volume, string key)
    {
        var deadline = DateTime.UtcNow + RetryWait;
        while (await HeadOrNullAsync(volume, key) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{key} was not stored within {RetryWait.TotalSeconds:0} s of the store healing");
            await Task.Delay(200);
        }
    }
}

/// <summary>
/// Tests that hold a file open for writing in this process and assert what is stored while it is open run alone,
/// after the rest: a process another test starts meanwhile is forked from this one, and closing its copy of the
/// descriptor (at exec) is a close like any other, so the mount gets a FLUSH and stores the file as written so far.
/// Seen: a 3 MiB prefix of a 20 MiB file stored while the test expected nothing stored.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoProcessStartsCollection
{
    public const string Name = "No concurrent process starts";
}
