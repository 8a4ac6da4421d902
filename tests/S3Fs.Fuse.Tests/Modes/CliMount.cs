using System.Diagnostics;
using S3Fs.Testing;

namespace S3Fs.Fuse.Tests.Modes;

/// <summary>
/// Runs this build's s3cfs app host (copied next to the tests) as a user would: background mounts, unmounts,
/// other commands, with the RGW credentials in the environment and a hang timeout on every call.
/// </summary>
public sealed class CliMount
{
    private readonly RgwEnvironment _rgw;
    private readonly Dictionary<string, string> _extraEnvironment = new(StringComparer.Ordinal);

    public CliMount(RgwEnvironment rgw)
    {
        _rgw = rgw;
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "s3cfs");

    public void SetEnvironment(string name, string value) => _extraEnvironment[name] = value;

    public async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["AWS_ACCESS_KEY_ID"] = _rgw.AccessKeyId;
        psi.Environment["AWS_SECRET_ACCESS_KEY"] = _rgw.SecretAccessKey;
        psi.Environment["AWS_DEFAULT_REGION"] = _rgw.Region;
        foreach (var (k, v) in _extraEnvironment)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"s3cfs {string.Join(' ', args)} hung");
        }

        return (p.ExitCode, await stdout + await stderr);
    }

    public async Task MountAsync(string conf, string mountPoint)
    {
        var (code, output) = await RunAsync("mount", conf, mountPoint);
        Assert.True(code == 0, $"s3cfs mount failed ({code}): {output}");
    }

    public async Task UnmountAsync(string mountPoint)
    {
        var (code, output) = await RunAsync("unmount", mountPoint);
        Assert.True(code == 0, $"s3cfs unmount failed ({code}): {output}");
    }

    /// <summary>Best effort, for cleanup after a failed test.</summary>
    public static void ForceUnmount(string mountPoint)
    {
        if (File.ReadAllText("/proc/self/mounts").Contains(" " + mountPoint + " ", StringComparison.Ordinal))
        {
            using var p = Process.Start("fusermount3", ["-u", "-z", mountPoint]);
            p.WaitForExit(10_000);
        }
    }
}
