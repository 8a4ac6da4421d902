using S3Fs.Fuse.Tests.Binding;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// The last resort after a failed test: whatever state a mount was left in, the mount point ends up unmounted and
/// no request stays blocked on it (which could keep the test host from exiting).
/// </summary>
public static class MountCleanup
{
    private const string Connections = "/sys/fs/fuse/connections";

    /// <summary>Lazily unmounts <paramref name="mountPoint"/> if it is still a mount point.</summary>
    public static async Task EnsureUnmountedAsync(string mountPoint)
    {
        if (TestMount.IsMounted(mountPoint))
        {
            await Shell.RunAsync("fusermount3", "-u", "-z", mountPoint);
        }
    }

    /// <summary>Aborts the FUSE connection behind <paramref name="mountPoint"/>: every pending request fails with ENOTCONN.</summary>
    public static async Task AbortConnectionAsync(string mountPoint)
    {
        if (!TestMount.IsMounted(mountPoint))
        {
            return;
        }

        // The connection is named by the mount's minor device number, which /proc/self/mountinfo shows as 0:N.
        var device = File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 4 && fields[4] == mountPoint)
            .Select(fields => fields[2].Split(':')[1])
            .LastOrDefault();
        if (device is null)
        {
            return;
        }

        if (!Directory.Exists(Path.Combine(Connections, device)))
        {
            await Shell.RunAsync("mount", "-t", "fusectl", "fusectl", Connections);
        }

        var abort = Path.Combine(Connections, device, "abort");
        if (File.Exists(abort))
        {
            await File.WriteAllTextAsync(abort, "1");
        }
    }
}
