using System.Diagnostics;
using System.Security.Cryptography;
using S3Fs.Testing;

namespace S3Fs.Fuse.Tests.SystemIntegration;

/// <summary>
/// fstab integration: a line of type fuse.s3cfs mounts through mount(8) and mount.fuse3, which run
/// "s3cfs &lt;options-file&gt; &lt;mountpoint&gt; -o ..." through /bin/sh; umount(8) unmounts. mount(8) clears PATH
/// before it runs its helper, so /bin/sh looks for s3cfs in its default path only (/usr/local/sbin first, then
/// /usr/local/bin where scripts/install.sh puts it). The s3cfs under test (this build's app host) is therefore linked
/// as /usr/local/sbin/s3cfs for the duration of each test and the link removed after; the fstab is a temporary file
/// (mount -T), so the system's own is untouched.
/// </summary>
[Trait("Category", "Fuse")]
public sealed class FstabTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("s3cfs-fstab-").FullName;
    private const string LinkPath = "/usr/local/sbin/s3cfs";
    private static readonly string BuildUnderTest = Path.Combine(AppContext.BaseDirectory, "s3cfs");
    private string _mountPoint = string.Empty;
    private RgwEnvironment _rgw = null!;
    private bool _linked;

    public async Task InitializeAsync()
    {
        _rgw = await RgwEnvironment.GetAsync();
        _mountPoint = Directory.CreateDirectory(Path.Combine(_dir, "mnt")).FullName;

        var existing = new FileInfo(LinkPath);
        if (existing.LinkTarget is { } pointsTo)
        {
            if (pointsTo != BuildUnderTest)
            {
                throw new InvalidOperationException($"{LinkPath} links to {pointsTo}, not this build's s3cfs: remove it to run the fstab tests");
            }
        }
        else if (existing.Exists)
        {
            throw new InvalidOperationException($"{LinkPath} exists and is not this build's s3cfs: remove it to run the fstab tests");
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(LinkPath)!);
            File.CreateSymbolicLink(LinkPath, BuildUnderTest);
        }

        _linked = true;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (File.ReadAllText("/proc/self/mounts").Contains(_mountPoint, StringComparison.Ordinal))
            {
                await RunAsync("fusermount3", "-u", "-z", _mountPoint);
            }
        }
        finally
        {
            // Never leave a link into a test build where the system's own fstab mounts would find it.
            if (_linked && new FileInfo(LinkPath).LinkTarget == BuildUnderTest)
            {
                File.Delete(LinkPath);
            }

            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task FstabLine_MountsThroughMountFuse3_AndUmountStoresEverything()
    {
        var key = Path.Combine(_dir, "k.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var conf = Path.Combine(_dir, "photos.conf");
        await File.WriteAllTextAsync(conf, $"""
            bucket = {_rgw.Bucket}
            prefix = {RgwEnvironment.UniquePrefix("fstab")}
            endpoint = {_rgw.Endpoint}
            checksums = when_required
            master_key = file:{key}
            log_file = {_dir}/mount.log
            """);
        var fstab = Path.Combine(_dir, "fstab");
        await File.WriteAllTextAsync(fstab, $"{conf} {_mountPoint} fuse.s3cfs _netdev,allow_other,noatime 0 0\n");

        var mount = await RunAsync("mount", "-T", fstab, _mountPoint);
        Assert.True(mount.ExitCode == 0, $"mount failed: {mount.StdErr}\n{ReadLog()}");
        var line = File.ReadAllLines("/proc/self/mounts").Single(l => l.Split(' ')[1] == _mountPoint);
        Assert.Contains(" fuse.s3cfs ", line);
        Assert.Contains("allow_other", line);

        var data = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(_mountPoint, "from-fstab.bin"), data);
        var umount = await RunAsync("umount", _mountPoint);
        Assert.True(umount.ExitCode == 0, $"umount failed: {umount.StdErr}");

        // Mounted again the same way, the file is there, intact.
        await WaitForServerExitAsync();
        Assert.Equal(0, (await RunAsync("mount", "-T", fstab, _mountPoint)).ExitCode);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_mountPoint, "from-fstab.bin")));
        Assert.Equal(0, (await RunAsync("umount", _mountPoint)).ExitCode);
    }

    [Fact]
    public async Task FstabLine_WithUnknownOption_FailsWithTheOptionNamed()
    {
        var conf = Path.Combine(_dir, "bad.conf");
        await File.WriteAllTextAsync(conf, $"bucket = {_rgw.Bucket}\nendpoint = {_rgw.Endpoint}\nencryption = none\n");
        var fstab = Path.Combine(_dir, "fstab");
        await File.WriteAllTextAsync(fstab, $"{conf} {_mountPoint} fuse.s3cfs _netdev,cache_sise=1GiB 0 0\n");
        var mount = await RunAsync("mount", "-T", fstab, _mountPoint);
        Assert.NotEqual(0, mount.ExitCode);
        Assert.Contains("unknown option 'cache_sise'", mount.StdErr);
        Assert.Contains("did you mean 'cache_size'?", mount.StdErr);
        Assert.DoesNotContain(_mountPoint, File.ReadAllText("/proc/self/mounts"));
    }

    private string ReadLog() => File.Exists(Path.Combine(_dir, "mount.log")) ? File.ReadAllText(Path.Combine(_dir, "mount.log")) : "(no log)";

    /// <summary>
    /// umount returns when the kernel detached; the serving process then finishes and exits. Waits up to a minute (a
    /// loaded machine may take seconds), then fails rather than mounting again beside a server that is still there.
    /// </summary>
    private async Task WaitForServerExitAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Process.GetProcesses().Any(p => SafeCommandLine(p).Contains(_mountPoint, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the s3cfs server of {_mountPoint} is still running a minute after umount\n{ReadLog()}");
            await Task.Delay(50);
        }
    }

    private static string SafeCommandLine(Process p)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{p.Id}/cmdline");
            var stat = File.ReadAllText($"/proc/{p.Id}/stat");
            return stat.Contains(") Z ", StringComparison.Ordinal) ? string.Empty : raw;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Runs a program with this build's s3cfs first on PATH (for what mount(8) does not run) and the RGW credentials in the environment.</summary>
    private async Task<(int ExitCode, string StdErr)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["PATH"] = AppContext.BaseDirectory + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["AWS_ACCESS_KEY_ID"] = _rgw.AccessKeyId;
        psi.Environment["AWS_SECRET_ACCESS_KEY"] = _rgw.SecretAccessKey;
        psi.Environment["AWS_DEFAULT_REGION"] = _rgw.Region;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await err + await outp);
    }
}
