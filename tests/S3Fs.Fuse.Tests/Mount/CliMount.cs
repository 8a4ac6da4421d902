using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using S3Fs.Cli.Mounting;
using S3Fs.Fuse.Tests.Binding;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// A mount made by the built <c>s3cfs</c> program, exactly as a user makes it: <c>s3cfs mount</c> starts the
/// background serving process and returns once the mount is ready; <c>s3cfs unmount</c> ends it. Disposal always
/// leaves the mount point unmounted and the serving process gone, whatever the test did: it tries
/// <c>s3cfs unmount</c>, then aborts the FUSE connection and lazily unmounts, then kills the server it started.
/// </summary>
public sealed partial class CliMount : IAsyncDisposable
{
    /// <summary>Bound for mount and unmount commands (an unmount uploads what is dirty first).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private CliMount(MountVolume volume)
    {
        Volume = volume;
    }

    /// <summary>The s3cfs app host copied next to the tests (the S3Fs.Cli project reference).</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "s3cfs");

    public MountVolume Volume { get; }

    public string Root => Volume.MountPoint;

    /// <summary>The background process serving the current (or last) mount.</summary>
    public int ServerPid { get; private set; }

    public bool ServerAlive => ServerPid > 0 && RuntimeFiles.IsAlive(ServerPid);

    public bool IsMounted => TestMount.IsMounted(Root);

    public static async Task<CliMount> StartAsync(MountVolume volume)
    {
        var mount = new CliMount(volume);
        try
        {
            await mount.MountAsync();
            return mount;
        }
        catch
        {
            await mount.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>s3cfs mount</c>; asserts it succeeded and the mount is there.</summary>
    public async Task MountAsync()
    {
        var result = await S3cfsAsync("mount", Volume.OptionsFile, Root);
        Assert.True(result.ExitCode == 0, $"{result}\n--- log:\n{Volume.LogTail()}");
        ServerPid = int.Parse(PidPattern().Match(result.StdOut).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(IsMounted, $"s3cfs mount reported success but {Root} is not a mount point");
    }

    /// <summary>Runs <c>s3cfs unmount</c>; asserts it succeeded, the mount is gone and the server exited.</summary>
    public async Task UnmountAsync()
    {
        var result = await S3cfsAsync("unmount", Root);
        Assert.True(result.ExitCode == 0, $"{result}\n--- log:\n{Volume.LogTail()}");
        Assert.False(IsMounted, $"s3cfs unmount succeeded but {Root} is still mounted");
        await WaitForServerExitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task RemountAsync()
    {
        await UnmountAsync();
        await MountAsync();
    }

    /// <summary>Runs the s3cfs program with the RGW credentials in its environment.</summary>
    public Task<Proc.Result> S3cfsAsync(params string[] args) =>
        Proc.RunAsync(Executable, args, CommandTimeout, Volume.ProcessEnvironment());

    /// <summary>Waits until the serving process has exited; fails the test if it does not within <paramref name="timeout"/>.</summary>
    public async Task WaitForServerExitAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ServerAlive)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the s3cfs server (pid {ServerPid}) is still running after {timeout.TotalSeconds:0} s\n--- log:\n{Volume.LogTail()}");
            await Task.Delay(50);
        }
    }

    /// <summary>How the last serving process ended, as it recorded it ("ok" or "error: ...").</summary>
    public string? ServerStatus() => RuntimeFiles.For(Root).ReadStatus();

    public async ValueTask DisposeAsync()
    {
        if (IsMounted)
        {
            try
            {
                await S3cfsAsync("unmount", Root);
            }
            catch (TimeoutException)
            {
                // handled below
            }

            if (IsMounted)
            {
                await MountCleanup.AbortConnectionAsync(Root);
                await MountCleanup.EnsureUnmountedAsync(Root);
            }
        }

        if (ServerAlive)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (ServerAlive && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            if (ServerAlive)
            {
                using var server = Process.GetProcessById(ServerPid);
                server.Kill();
            }
        }

        var runtime = RuntimeFiles.For(Root);
        File.Delete(runtime.StatusFile);
    }

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex PidPattern();
}
