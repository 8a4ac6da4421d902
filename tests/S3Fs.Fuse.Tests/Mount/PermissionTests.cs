using System.Text;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// Who may do what on a mount made by the real <c>s3cfs mount</c>: the kernel checks the stored modes
/// (default_permissions), so with allow_other another uid (nobody, through setpriv) reads only what the modes
/// allow, also on the first listing after a remount; without allow_other other uids cannot enter the mount at all.
/// And statfs reports the real longest name (S3 keys are 1024 bytes including the prefix).
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class PermissionTests
{
    /// <summary>Runs the rest of the command line as nobody (uid and gid 65534, no supplementary groups).</summary>
    private const string AsNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";

    [Fact]
    public async Task AllowOther_PrivateFileAndDirectory_OtherUidDeniedUntilChmod()
    {
        await using var s = await ShellScenario.StartAsync("allow-other", extraOptions: "allow_other = true");
        await s.InMountAsync("""
            echo 'S3CFS-E2E-MARKER private' > secret
            chmod 600 secret
            echo 'S3CFS-E2E-MARKER public' > public
            mkdir private-dir
            echo inner > private-dir/inner
            chmod 700 private-dir
            """);
        await AssertNobodyDeniedAsync(s);

        // After a remount the first access is a listing; the kernel must still check the stored modes.
        await s.RemountAsync();
        await s.InMountAsync("ls -l > /dev/null");
        await AssertNobodyDeniedAsync(s);

        await s.InMountAsync("chmod 644 secret && chmod 755 private-dir");
        Assert.Equal("S3CFS-E2E-MARKER private\n", await s.InMountAsync($"{AsNobody} cat secret"));
        Assert.Equal("inner\n", await s.InMountAsync($"{AsNobody} cat private-dir/inner"));
        await s.RemountAsync();
        await s.InMountAsync("ls -l > /dev/null");
        Assert.Equal("S3CFS-E2E-MARKER private\n", await s.InMountAsync($"{AsNobody} cat secret"));
    }

    [Fact]
    public async Task WithoutAllowOther_OtherUid_CannotEnterTheMount()
    {
        await using var s = await ShellScenario.StartAsync("no-allow-other");
        await s.InMountAsync("echo 'S3CFS-E2E-MARKER readable by root only' > f && chmod 644 f");
        var list = await s.TryInMountAsync($"{AsNobody} ls \"$M\"");
        Assert.NotEqual(0, list.ExitCode);
        Assert.Contains("Permission denied", list.StdErr, StringComparison.Ordinal);
        var read = await s.TryInMountAsync($"{AsNobody} cat \"$M/f\"");
        Assert.NotEqual(0, read.ExitCode);
        Assert.Contains("Permission denied", read.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatFs_MaxNameLength_IsReportedAndKeysBeyondS3sLimitAreRefused()
    {
        // s3cfs accepts prefixes up to 512 bytes, which always leaves room for a 255-byte name.
        await using var s = await ShellScenario.StartAsync("statfs", subfolder: new string('p', 450));
        Assert.InRange(Encoding.UTF8.GetByteCount(s.Volume.Prefix), 480, 512);
        Assert.Equal("255\n", await s.InMountAsync("stat -f -c %l ."));
        var name = new string('n', 255);
        await s.InMountAsync($"echo fits > {name}");
        var tooLong = await s.TryInMountAsync($"touch {name}x");
        Assert.NotEqual(0, tooLong.ExitCode);
        Assert.Contains("File name too long", tooLong.StdErr, StringComparison.Ordinal);

        // Names that fit one by one, but whose key (prefix + path) would pass S3's 1024 bytes.
        var deep = await s.TryInMountAsync($"mkdir -p {name}.d/{name} && echo deep > {name}.d/{name}/{name}");
        Assert.NotEqual(0, deep.ExitCode);
        Assert.Contains("File name too long", deep.StdErr, StringComparison.Ordinal);

        await s.RemountAsync();
        Assert.Equal("fits\n", await s.InMountAsync($"cat {name}"));
    }

    private static async Task AssertNobodyDeniedAsync(ShellScenario s)
    {
        foreach (var command in new[] { "cat secret", "ls private-dir", "cat private-dir/inner", "sh -c 'echo x >> public'", "touch new-file" })
        {
            var result = await s.TryInMountAsync($"{AsNobody} {command}");
            Assert.True(result.ExitCode != 0 && result.StdErr.Contains("Permission denied", StringComparison.Ordinal), $"nobody: {command}\n{result}");
        }

        Assert.Equal("S3CFS-E2E-MARKER public\n", await s.InMountAsync($"{AsNobody} cat public"));
    }
}
