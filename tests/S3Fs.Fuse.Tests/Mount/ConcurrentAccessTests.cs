namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// Several processes at once on one mount made by the real <c>s3cfs mount</c>: writers create and patch their own
/// files while readers checksum files stored earlier (read from S3 after a remount) and a lister keeps running
/// ls -l. Every checksum must be right while they run, and everything must read back after unmount and remount.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class ConcurrentAccessTests
{
    private const int Writers = 4;
    private const int Readers = 4;

    [Fact]
    public async Task ReadersWritersAndLister_AtOnce_AllChecksumsRightAndEverythingReadsBackAfterRemount()
    {
        await using var s = await ShellScenario.StartAsync("concurrent");
        // Sizes straddle the single-PUT threshold (8 MiB), so some writers use multipart uploads.
        await s.InLocalAsync("""
            for i in 0 1 2 3; do head -c $(( (i * 3 + 2) * 1024 * 1024 + i * 4099 )) /dev/urandom > r$i; done
            for i in 0 1 2 3; do head -c $(( (i * 3 + 1) * 1024 * 1024 + i * 7 )) /dev/urandom > w$i; done
            head -c 65536 /dev/urandom > patch
            for i in 0 1 2 3; do
              cp w$i expected-w$i
              dd if=patch of=expected-w$i bs=4096 seek=$(( i * 50 + 3 )) conv=notrunc status=none
              echo "S3CFS-E2E-MARKER writer $i done" >> expected-w$i
            done
            sha256sum r0 r1 r2 r3 > r.sums
            """);
        await s.InMountAsync("mkdir readers writers && for i in 0 1 2 3; do cp \"$L/r$i\" readers/; done");
        await s.RemountAsync(); // readers read from S3, not from what this server still has in memory

        var writers = Enumerable.Range(0, Writers).Select(i => s.InMountAsync($"""
            cp "$L/w{i}" writers/w{i}
            dd if="$L/patch" of=writers/w{i} bs=4096 seek={(i * 50) + 3} conv=notrunc status=none
            echo "S3CFS-E2E-MARKER writer {i} done" >> writers/w{i}
            cmp writers/w{i} "$L/expected-w{i}"
            """));
        var readers = Enumerable.Range(0, Readers).Select(i => s.InMountAsync($"""
            for round in 1 2 3; do
              (cd readers && sha256sum -c --quiet "$L/r.sums")
              cmp readers/r{(i + 1) % 4} "$L/r{(i + 1) % 4}"
            done
            """));
        var lister = s.InMountAsync("for k in $(seq 1 30); do ls -lR > /dev/null; done");
        await Task.WhenAll(writers.Concat(readers).Append(lister));

        await s.RemountAsync();
        await s.InMountAsync("""
            (cd readers && sha256sum -c --quiet "$L/r.sums")
            for i in 0 1 2 3; do cmp writers/w$i "$L/expected-w$i"; done
            """);
        Assert.Equal("r0\nr1\nr2\nr3\n", await s.InMountAsync("ls readers"));
        Assert.Equal("w0\nw1\nw2\nw3\n", await s.InMountAsync("ls writers"));
    }
}
