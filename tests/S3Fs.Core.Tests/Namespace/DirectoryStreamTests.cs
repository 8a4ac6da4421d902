using S3Fs.Core.FileSystem;
using S3Fs.Core.Namespace;

namespace S3Fs.Core.Tests.Namespace;

/// <summary><see cref="DirectoryStream"/>: page-by-page appends, stable snapshots, duplicates dropped, failures surfaced.</summary>
public sealed class DirectoryStreamTests
{
    private static ListedChild File(string name) => new(name, FileKind.RegularFile, 1, default, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task WaitForAsync_ManyPages_IndexesEveryEntryAndOldSnapshotsStayValid()
    {
        var stream = new DirectoryStream();
        stream.Add([File("p0-0"), File("p0-1")]);
        var early = await stream.WaitForAsync(3, CancellationToken.None);
        for (var page = 1; page < 40; page++) // past the chunk table's first size (8): it grows into new arrays
        {
            stream.Add(Enumerable.Range(0, page % 3 + 1).Select(i => File($"p{page}-{i}")));
        }

        stream.Add([File("p0-0")]); // already shown: dropped
        stream.Complete([File("local-only")]);
        var all = await stream.WaitForAsync(0, CancellationToken.None);

        var expected = new[] { ".", ".." }
            .Concat(Enumerable.Range(0, 40).SelectMany(p => Enumerable.Range(0, p == 0 ? 2 : p % 3 + 1).Select(i => $"p{p}-{i}")))
            .Append("local-only")
            .ToList();
        Assert.Equal(expected, Enumerable.Range(0, all.Count).Select(i => all[i].Name));
        Assert.Equal(expected, all.Select(e => e.Name));
        Assert.Equal(expected.Take(4), Enumerable.Range(0, early.Count).Select(i => early[i].Name));
    }

    [Fact]
    public async Task WaitForAsync_PastTheEnd_WaitsUntilEntriesArriveOrTheStreamEnds()
    {
        var stream = new DirectoryStream();
        var waiting = stream.WaitForAsync(2, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        stream.Add([File("a")]);
        Assert.Equal(3, (await waiting.WaitAsync(TimeSpan.FromSeconds(30))).Count);

        var atEnd = stream.WaitForAsync(3, CancellationToken.None).AsTask();
        stream.Complete([]);
        Assert.Equal(3, (await atEnd.WaitAsync(TimeSpan.FromSeconds(30))).Count);
    }

    [Fact]
    public async Task WaitForAsync_ListingFailed_ThrowsItsErrorButServesWhatArrived()
    {
        var stream = new DirectoryStream();
        stream.Add([File("a")]);
        stream.Fail(new IOException("LIST failed"));

        Assert.Equal(3, (await stream.WaitForAsync(2, CancellationToken.None)).Count);
        var e = await Assert.ThrowsAsync<IOException>(async () => await stream.WaitForAsync(3, CancellationToken.None));
        Assert.Equal("LIST failed", e.Message);
    }
}
