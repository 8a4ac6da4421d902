using System.Text;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// Everyday command-line tools against a volume mounted by the real <c>s3cfs mount</c>: each scenario runs, the
/// volume is unmounted with <c>s3cfs unmount</c> and mounted again, and what was written is compared with a local
/// reference copy. Encrypting volumes are then audited in the bucket (<see cref="BucketAudit"/>).
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class ShellToolTests
{
    [Fact]
    public async Task CpCatLs_FilesAroundBlockAndPartBoundaries_RoundTripAcrossRemount()
    {
        await using var s = await ShellScenario.StartAsync("cp");
        await s.InLocalAsync("""
            mkdir src
            : > src/empty
            printf x > src/one
            head -c 65535 /dev/urandom > src/block-minus-1
            head -c 65536 /dev/urandom > src/block
            head -c 65537 /dev/urandom > src/block-plus-1
            head -c $((3 * 1024 * 1024 + 123)) /dev/urandom > src/three-mib
            head -c $((9 * 1024 * 1024 + 1)) /dev/urandom > src/nine-mib
            for i in $(seq 1 300); do echo "S3CFS-E2E-MARKER cp line $i"; done > src/text.txt
            """);

        await s.InMountAsync("""
            for f in "$L"/src/*; do cp "$f" .; done
            for f in "$L"/src/*; do cat "$(basename "$f")" | cmp - "$f"; done
            """);
        const string LsColumns = "ls -l | awk 'NR > 1 { print $1, $3, $4, $5, $NF }'";
        var expected = await s.InLocalAsync("cd src && " + LsColumns);
        Assert.Equal(expected, await s.InMountAsync(LsColumns));

        await s.RemountAsync();
        Assert.Equal(expected, await s.InMountAsync(LsColumns));
        await s.InMountAsync("""for f in "$L"/src/*; do cmp "$(basename "$f")" "$f"; done""");
        await s.AssertSameTreeAsync("src", s.Mnt, withTimes: false);
        await s.AuditAsync(BucketAudit.FilesUnder(Path.Combine(s.Local, "src")));
    }

    [Fact]
    public async Task MkdirMvRmFind_SameScriptLocallyAndInMount_SameTree()
    {
        await using var s = await ShellScenario.StartAsync("tree-ops");
        const string Script = """
            mkdir -p a/b/c d x/y/z
            echo "S3CFS-E2E-MARKER first file, in a" > a/one.txt
            cp a/one.txt a/b/two.txt
            seq 1 20000 > a/b/c/numbers.txt
            head -c 200000 /dev/zero | tr '\0' 'q' > a/b/c/q.bin
            mv a/one.txt d/moved.txt
            mv a/b e
            mv e/c/numbers.txt e/c/renamed.txt
            rmdir x/y/z
            rmdir x/y
            mkdir -p gone/deep/er
            echo bye > gone/deep/er/f
            rm -r gone
            rm e/two.txt
            mkdir -p d/sub
            mv d/moved.txt d/sub/
            """;
        await s.InLocalAsync("mkdir ref && cd ref && " + Script);
        await s.InMountAsync(Script);
        var find = "find . -name '*.txt' | sort";
        Assert.Equal("./d/sub/moved.txt\n./e/c/renamed.txt\n", await s.InMountAsync(find));
        Assert.Equal("./a\n./d\n./d/sub\n./e\n./e/c\n./x\n", await s.InMountAsync("find . -mindepth 1 -type d | sort"));
        await s.AssertSameTreeAsync("ref", s.Mnt, withTimes: false);

        var rmdir = await s.TryInMountAsync("rmdir e");
        Assert.NotEqual(0, rmdir.ExitCode);
        Assert.Contains("Directory not empty", rmdir.StdErr, StringComparison.Ordinal);

        await s.RemountAsync();
        await s.AssertSameTreeAsync("ref", s.Mnt, withTimes: false);
        Assert.Equal("./d/sub/moved.txt\n./e/c/renamed.txt\n", await s.InMountAsync(find));
        await s.AuditAsync(BucketAudit.FilesUnder(Path.Combine(s.Local, "ref")));
    }

    [Fact]
    public async Task Tar_CreateInMountAndExtractIntoMount_TreesMatchWithTimesAndModes()
    {
        // After the remount tar walks the tree by listing it: 'exact' makes the listed names show their stored times
        // and modes (the default 'listing' shows upload times and default modes for files of 4 KiB and more).
        await using var s = await ShellScenario.StartAsync("tar", extraOptions: "attributes = exact");
        await s.InLocalAsync(SourceTreeScript);
        await s.InMountAsync("""
            tar -C "$L/src" -cf archive.tar .
            mkdir extracted
            tar -C extracted -xpf archive.tar
            """);
        await s.InLocalAsync("tar -C src -cf archive.tar . && cmp archive.tar \"$M/archive.tar\"");
        await s.AssertSameTreeAsync("src", Path.Combine(s.Mnt, "extracted"), withTimes: true);

        await s.RemountAsync();
        await s.AssertSameTreeAsync("src", Path.Combine(s.Mnt, "extracted"), withTimes: true);
        await s.InLocalAsync("""
            mkdir back
            tar -C "$M/extracted" -cf - . | tar -C back -xpf -
            tar -tvf "$M/archive.tar" > listing.txt
            grep -q 'deep/nested/file' listing.txt
            """);
        await s.AssertSameTreeAsync("src", "back", withTimes: true);
        await s.AuditAsync(BucketAudit.FilesUnder(Path.Combine(s.Local, "src")));
    }

    [Fact]
    public async Task Rsync_SecondRunAndRunAfterRemount_TransferNothing()
    {
        await using var s = await ShellScenario.StartAsync("rsync");
        await s.InLocalAsync(SourceTreeScript);
        var first = await s.InLocalAsync("rsync -a --stats src/ \"$M/dst/\"");
        Assert.Contains("Number of regular files transferred: 9", first, StringComparison.Ordinal);

        var second = await s.InLocalAsync("rsync -a --stats --itemize-changes src/ \"$M/dst/\"");
        Assert.Contains("Number of regular files transferred: 0", second, StringComparison.Ordinal);
        Assert.DoesNotContain(second.Split('\n'), line => line.StartsWith(">f", StringComparison.Ordinal) || line.StartsWith(".f", StringComparison.Ordinal));

        await s.RemountAsync();
        var third = await s.InLocalAsync("rsync -a --stats --itemize-changes src/ \"$M/dst/\"");
        Assert.Contains("Number of regular files transferred: 0", third, StringComparison.Ordinal);
        Assert.DoesNotContain(third.Split('\n'), line => line.StartsWith(">f", StringComparison.Ordinal) || line.StartsWith(".f", StringComparison.Ordinal));
        await s.AssertSameTreeAsync("src", Path.Combine(s.Mnt, "dst"), withTimes: true);

        // A changed source file is transferred again, and only that one.
        var changed = await s.InLocalAsync("echo appended >> src/deep/nested/file && rsync -a --stats src/ \"$M/dst/\"");
        Assert.Contains("Number of regular files transferred: 1", changed, StringComparison.Ordinal);
        await s.AssertSameTreeAsync("src", Path.Combine(s.Mnt, "dst"), withTimes: true);
        await s.AuditAsync(BucketAudit.FilesUnder(Path.Combine(s.Local, "src")));
    }

    [Fact]
    public async Task DdTruncate_WritesAtOffsetsAndSizeChanges_MatchLocalCopy()
    {
        await using var s = await ShellScenario.StartAsync("dd");
        const string Script = """
            dd if="$L/base" of=f bs=1M status=none
            dd if="$L/patch" of=f bs=4096 seek=100 conv=notrunc status=none
            dd if="$L/patch" of=f bs=1 seek=65530 count=20 conv=notrunc status=none
            dd if="$L/patch" of=f bs=1 seek=1000000 count=3000 conv=notrunc status=none
            dd if="$L/patch" of=f bs=4096 seek=1000 conv=notrunc status=none
            cp f g
            truncate -s 100000 g
            truncate -s 5M g
            dd if="$L/patch" of=g bs=1 seek=4000000 count=77 conv=notrunc status=none
            cp f h
            truncate -s 0 h
            printf 'S3CFS-E2E-MARKER after truncation to zero\n' >> h
            """;
        await s.InLocalAsync("""
            head -c $((3 * 1024 * 1024)) /dev/urandom > base
            head -c 8192 /dev/urandom > patch
            mkdir ref
            """);
        await s.InLocalAsync("cd ref && " + Script);
        await s.InMountAsync(Script);
        await s.AssertSameTreeAsync("ref", s.Mnt, withTimes: false);
        Assert.Equal(
            await s.InLocalAsync("dd if=ref/f bs=4096 skip=99 count=3 status=none | sha256sum"),
            await s.InMountAsync("dd if=f bs=4096 skip=99 count=3 status=none | sha256sum"));

        await s.RemountAsync();
        await s.AssertSameTreeAsync("ref", s.Mnt, withTimes: false);
        Assert.Equal("4104192\n5242880\n42\n", await s.InMountAsync("stat -c %s f g h"));
        await s.AuditAsync(BucketAudit.FilesUnder(Path.Combine(s.Local, "ref")).Append(Encoding.UTF8.GetBytes("S3CFS-E2E-MARKER after truncation")));
    }

    [Fact]
    public async Task LnChmodTouch_LinksModesAndTimes_SurviveRemount()
    {
        await using var s = await ShellScenario.StartAsync("attrs", extraOptions: "attributes = exact");
        const string Script = """
            mkdir dir
            echo "S3CFS-E2E-MARKER link target" > target.txt
            echo '#!/bin/sh' > script.sh
            ln -s target.txt link
            ln -s ../target.txt dir/relative
            ln -s /nonexistent/dangling dangling
            chmod 600 target.txt
            chmod 755 script.sh
            chmod 700 dir
            touch -d '2001-02-03 04:05:06' target.txt
            touch -d @1234567890 script.sh
            """;
        await s.InLocalAsync("mkdir ref && cd ref && " + Script);
        await s.InMountAsync(Script);
        const string Check = """
            cat link
            cat dir/relative
            readlink dangling
            stat -c '%n %a %Y %F' target.txt script.sh
            stat -c '%n %a %F' dir link dir/relative
            """;
        var expected = await s.InLocalAsync("cd ref && " + Check);
        Assert.Contains("target.txt 600 981173106 regular file", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await s.InMountAsync(Check));
        await s.AssertSameTreeAsync("ref", s.Mnt, withTimes: true);

        await s.RemountAsync();
        Assert.Equal(expected, await s.InMountAsync(Check));
        await s.AssertSameTreeAsync("ref", s.Mnt, withTimes: true);
        await s.AuditAsync(BucketAudit.FilesUnder(Path.Combine(s.Local, "ref")));
    }

    [Fact]
    public async Task LsL_FirstListingAfterRemount_ShowsStoredTypesModesOwnersAndTimes()
    {
        // The default, 'attributes = exact', reads every listed name's stored attributes, whatever its size (with
        // 'attributes = listing' 5000-byte files show the listing's: see LsL_ListingAttributes_NoHeadPerFile).
        await using var s = await ShellScenario.StartAsync("ls-after-remount");
        const string Script = """
            mkdir -p d/private-dir d/open-dir
            echo "S3CFS-E2E-MARKER private file" > d/private
            echo "S3CFS-E2E-MARKER shared file" > d/shared
            for i in 1 2 3; do (echo "S3CFS-E2E-MARKER big file"; head -c 5000 /dev/zero) > d/big$i; done
            ln -s shared d/link
            chmod 600 d/private d/big1
            chmod 700 d/private-dir
            chown 1234:5678 d/shared d/big2
            touch -d '2001-02-03 04:05:06' d/private d/shared d/big3
            touch -d '2002-03-04 05:06:07' d/big1 d/big2
            """;
        await s.InLocalAsync("mkdir ref && cd ref && " + Script);
        await s.InMountAsync(Script);
        // Mode, owner, group, then size and mtime for files only (directories and links got theirs at creation), name, target.
        const string LsL = "ls -l --time-style=+%s d | awk 'NR > 1 { f = substr($1, 1, 1) == \"-\"; print $1, $3, $4, (f ? $5 : \"-\"), (f ? $6 : \"-\"), $7, $8, $9 }'";
        var expected = await s.InLocalAsync("cd ref && " + LsL);
        Assert.Contains("lrwxrwxrwx root root", expected, StringComparison.Ordinal);
        await s.RemountAsync();

        // The very first access after the mount is a listing (readdirplus), not a lookup of each name.
        Assert.Equal(expected, await s.InMountAsync(LsL));
        Assert.Equal(expected, await s.InMountAsync(LsL));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LsL_ListingAttributes_NoHeadPerFile(bool encrypted)
    {
        // 'attributes = listing': a cold ls -l costs the listing, not a HEAD per name. Files of 4096 bytes or more and
        // empty files are typed by the listing; small objects (maybe symlinks) and directories are read.
        await using var s = await ShellScenario.StartAsync("ls-listing-attrs", encrypted, extraOptions: "attributes = listing");
        await s.InMountAsync("""
            mkdir -p d/sub
            for i in $(seq -w 1 40); do (echo "S3CFS-E2E-MARKER file $i"; head -c 5000 /dev/zero) > d/f$i; done
            : > d/empty
            echo "S3CFS-E2E-MARKER tiny" > d/tiny
            ln -s f01 d/link
            chmod 600 d/f01
            """);
        await s.RemountAsync();

        var before = await HeadsAsync(s);
        var listing = await s.InMountAsync("ls -l d | awk 'NR > 1 { print substr($1, 1, 1), $5, $NF }'");
        var heads = await HeadsAsync(s) - before;

        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(44, lines.Length);
        Assert.Equal(40, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^- 5025 f[0-9]{2}$")));
        Assert.Contains("- 0 empty", lines);
        Assert.Contains("- 22 tiny", lines);
        Assert.Contains("l 3 f01", lines); // ls prints "link -> f01"
        Assert.Contains("d 4096 sub", lines);

        // tiny and link (maybe symlinks), perhaps the markers of d and d/sub: not one per file.
        Assert.True(heads is >= 2 and <= 5, $"ls -l of 44 names sent {heads} HEADs\n{listing}");

        // The listing shows the default mode for f01 (stored: 600); a change made through this mount shows at once.
        Assert.Equal("644 d/f01\n", await s.InMountAsync("stat -c '%a %n' d/f01"));
        Assert.Equal("640 d/f02\n", await s.InMountAsync("chmod 640 d/f02 && stat -c '%a %n' d/f02"));
    }

    private static async Task<long> HeadsAsync(ShellScenario s)
    {
        var result = await s.Mount.S3cfsAsync("stats", s.Mnt, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(result.StdOut);
        return json.RootElement.GetProperty("s3_requests").TryGetProperty("Head", out var h) ? h.GetInt64() : 0;
    }

    [Fact]
    public async Task FindType_FirstListingAfterRemount_TellsSymlinksFromFiles()
    {
        await using var s = await ShellScenario.StartAsync("find-type");
        await s.InMountAsync("""
            mkdir -p d/sub big
            echo "S3CFS-E2E-MARKER find target" > d/file
            ln -s file d/link
            ln -s sub d/dirlink
            for i in $(seq 1 300); do echo "$i" > big/f$i; done
            ln -s f1 big/zz-link
            """);
        await s.RemountAsync();

        // find trusts the type readdir reports (d_type) and does not stat for -type. The kernel reads a big directory
        // in many requests, most without attributes (plain readdir), so the last entries show what those report.
        Assert.Equal("./big/zz-link\n./d/dirlink\n./d/link\n", await s.InMountAsync("find . -type l | sort"));
        Assert.Equal("301\n", await s.InMountAsync("find . -type f | wc -l"));
        Assert.Equal(".\n./big\n./d\n./d/sub\n", await s.InMountAsync("find . -type d | sort"));
    }

    [Fact]
    public async Task Append_ManyShellRedirections_AllLinesKeptInOrder()
    {
        await using var s = await ShellScenario.StartAsync("append");
        await s.InMountAsync("""
            for i in $(seq 1 200); do echo "S3CFS-E2E-MARKER appended line $i" >> log.txt; done
            echo tail >> log.txt
            """);
        await s.InLocalAsync("""for i in $(seq 1 200); do echo "S3CFS-E2E-MARKER appended line $i"; done > log.txt; echo tail >> log.txt""");
        await s.InMountAsync("cmp log.txt \"$L/log.txt\"");
        await s.RemountAsync();
        await s.InMountAsync("cmp log.txt \"$L/log.txt\"");
        Assert.Equal("201\n", await s.InMountAsync("wc -l < log.txt"));
        await s.AuditAsync([await File.ReadAllBytesAsync(Path.Combine(s.Local, "log.txt"))]);
    }

    [Fact]
    public async Task EditorSave_TempFileRenamedOverAndBackupRename_LeaveOnlyTheNewVersion()
    {
        await using var s = await ShellScenario.StartAsync("editor");
        await s.InMountAsync("""
            printf 'S3CFS-E2E-MARKER version one of the document\n' > doc.txt
            chmod 640 doc.txt

            # gedit, most IDEs: write a temporary file, rename it over the original
            printf 'S3CFS-E2E-MARKER version two of the document\n' > .doc.txt.swp
            chmod 640 .doc.txt.swp
            mv .doc.txt.swp doc.txt
            grep -q 'version two' doc.txt

            # vim (writebackup): rename the original to a backup, write a new file, remove the backup
            mv doc.txt doc.txt~
            printf 'S3CFS-E2E-MARKER version three of the document\n' > doc.txt
            chmod 640 doc.txt
            rm doc.txt~

            # sed -i: temporary file in the same directory, renamed over
            sed -i 's/version three/version four/' doc.txt
            """);
        Assert.Equal("doc.txt\n", await s.InMountAsync("ls -A"));
        await s.RemountAsync();
        Assert.Equal("S3CFS-E2E-MARKER version four of the document\n", await s.InMountAsync("cat doc.txt"));
        Assert.Equal("doc.txt\n", await s.InMountAsync("ls -A"));
        Assert.Equal("640\n", await s.InMountAsync("stat -c %a doc.txt"));
        await s.AuditAsync([Encoding.UTF8.GetBytes("S3CFS-E2E-MARKER version "), Encoding.UTF8.GetBytes(" of the document\n")]);
    }

    /// <summary>A local tree with nested directories, several sizes, modes, symlinks and set times (9 regular files).</summary>
    internal const string SourceTreeScript = """
        mkdir -p src/deep/nested src/empty-dir src/bin
        for i in $(seq 1 50); do echo "S3CFS-E2E-MARKER source tree line $i"; done > src/deep/nested/file
        head -c 100000 /dev/urandom > src/deep/random.bin
        head -c $((2 * 1024 * 1024 + 7)) /dev/urandom > src/bin/two-mib
        : > src/zero-length
        echo readme > src/README
        echo secret > src/private
        chmod 600 src/private
        printf '#!/bin/sh\necho hi\n' > src/bin/run.sh
        chmod 755 src/bin/run.sh
        echo 'with spaces' > 'src/name with spaces.txt'
        echo 'unicode' > 'src/ünïcødé.txt'
        ln -s deep/nested/file src/link-to-file
        ln -s deep src/link-to-dir
        touch -d '2010-10-10 10:10:10' src/README src/deep/nested/file
        touch -h -d '2011-11-11 11:11:11' src/link-to-file
        """;
}
