using System.Diagnostics;
using S3Fs.Cli.Logging;
using S3Fs.Cli.Mounting;
using S3Fs.Cli.Options;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs mount &lt;options-file&gt; &lt;mountpoint&gt;</c>. By default it starts a background process that serves the
/// mount and returns once the mount is ready (or with that process's error); <c>--foreground</c> serves in this
/// process. The serving process logs the libfuse version, completes interrupted directory renames, flushes dirty
/// data on SIGINT/SIGTERM before unmounting, and keeps retrying uploads S3 has not confirmed rather than drop them.
/// </summary>
internal sealed class MountCommand : ICommand
{
    /// <summary>Set by the starting process: where the serving process reports "ready" or "error: ...".</summary>
    internal const string ReadyFileVariable = "S3CFS_READY_FILE";

    /// <summary>How long a background start waits for the mount to become ready (KMS, RGW start-up, probes).</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    public string Name => "mount";

    public string Summary => "mount a bucket (or prefix) on a directory";

    public string Usage => """
        usage: s3cfs mount <options-file> <mountpoint> [--foreground] [-o key=value,...]

        Mounts the bucket described by <options-file> on <mountpoint> and returns once it is ready; the mount is
        served by a background process (logging to log_file, default /var/log/s3cfs/). With --foreground (-f) this
        process serves it and logs to standard error until it is unmounted (s3cfs unmount, fusermount3 -u, Ctrl+C
        or SIGTERM: dirty data is uploaded first). The same form works from /etc/fstab with type fuse.s3cfs:
          /etc/s3cfs/photos.conf  /mnt/photos  fuse.s3cfs  _netdev,allow_other  0 0
        """;

    public IReadOnlyCollection<string> Flags => ["--foreground"];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 2)
        {
            throw new UsageException("mount takes an options file and a mount point");
        }

        var optionsFile = Path.GetFullPath(args.Positionals[0]);
        var windowsDrive = OperatingSystem.IsWindows() && args.Positionals[1].TrimEnd('\\', ':').Length == 1;
        var mountPoint = windowsDrive ? args.Positionals[1] : Path.GetFullPath(args.Positionals[1]);
        var options = OptionSet.Load(optionsFile, args.Options);

        // Check everything that can be checked before anything starts, so errors come back at once.
        var connection = ConnectionSettings.Bind(options);
        EncryptionSettings.Bind(options);
        var settings = MountSettings.Bind(options);
        if (OperatingSystem.IsWindows())
        {
            using var windowsLogging = LoggingSetup.Create(options);
            context.Services.Logging = windowsLogging;
            return await WindowsMountServer.RunAsync(options, settings, connection, mountPoint, context, windowsLogging, cancellationToken).ConfigureAwait(false);
        }

        CheckMountPoint(mountPoint);

        if (!args.Has("--foreground"))
        {
            return await StartInBackgroundAsync(optionsFile, mountPoint, args, connection, context, cancellationToken).ConfigureAwait(false);
        }

        var readyFile = Environment.GetEnvironmentVariable(ReadyFileVariable);
        var background = readyFile is not null;
        using var logging = LoggingSetup.Create(options, background ? DefaultLogFile(mountPoint) : null);
        context.Services.Logging = logging;
        using var server = new MountServer(options, settings, connection, mountPoint, context.Services, logging);
        return await server.RunAsync(readyFile, context, cancellationToken).ConfigureAwait(false);
    }

    private static void CheckMountPoint(string mountPoint)
    {
        if (!Directory.Exists(mountPoint))
        {
            throw new UsageException($"mount point {mountPoint} does not exist or is not a directory; create it with 'mkdir -p {mountPoint}'");
        }

        if (OperatingSystem.IsLinux() && MountTable.TypeAt(mountPoint) is { } type)
        {
            throw new UsageException($"{mountPoint} is already a mount point ({type}); unmount it first ('s3cfs unmount {mountPoint}' or 'umount {mountPoint}')");
        }
    }

    internal static string DefaultLogFile(string mountPoint)
    {
        var name = mountPoint.Trim('/').Replace('/', '-');
        var (uid, _) = MountSettings.CurrentIds();
        var dir = uid == 0 ? "/var/log/s3cfs" : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "s3cfs");
        return Path.Combine(dir, (name.Length == 0 ? "root" : name) + ".log");
    }

    /// <summary>Re-runs this program with --foreground, detached (new session, no terminal), and waits until it is ready.</summary>
    private static async Task<int> StartInBackgroundAsync(string optionsFile, string mountPoint, CommandArguments args, ConnectionSettings connection, CommandContext context, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new UsageException("background mounts are started this way on Linux only; use --foreground");
        }

        var readyFile = Path.Combine(Path.GetTempPath(), $"s3cfs-ready-{Guid.NewGuid():N}");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec setsid \"$@\" </dev/null >/dev/null 2>&1");
        psi.ArgumentList.Add("s3cfs");
        foreach (var a in SelfCommand())
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("mount");
        psi.ArgumentList.Add(optionsFile);
        psi.ArgumentList.Add(mountPoint);
        psi.ArgumentList.Add("--foreground");
        foreach (var o in args.Options)
        {
            psi.ArgumentList.Add("-o");
            psi.ArgumentList.Add(o.HasValue ? $"{o.Key}={o.Value}" : o.Key);
        }

        psi.Environment[ReadyFileVariable] = readyFile;
        using var child = Process.Start(psi) ?? throw new IOException("could not start the background mount process");
        var deadline = DateTime.UtcNow + ReadyTimeout;
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                if (File.Exists(readyFile))
                {
                    var status = (await File.ReadAllTextAsync(readyFile, cancellationToken).ConfigureAwait(false)).Trim();
                    if (status == "ready")
                    {
                        await context.Out.WriteLineAsync($"s3cfs: mounted s3://{connection.Bucket}/{connection.Prefix} on {mountPoint} (pid {child.Id})").ConfigureAwait(false);
                        return ExitCodes.Ok;
                    }

                    await context.Error.WriteLineAsync($"s3cfs mount: {status.Replace("error: ", string.Empty, StringComparison.Ordinal)}").ConfigureAwait(false);
                    return status.StartsWith("error: usage", StringComparison.Ordinal) ? ExitCodes.Usage : ExitCodes.Failure;
                }

                if (child.HasExited)
                {
                    await context.Error.WriteLineAsync($"s3cfs mount: the mount process exited (status {child.ExitCode}) before the mount was ready; see {DefaultLogFile(mountPoint)} or run with --foreground").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"s3cfs mount: not ready after {ReadyTimeout.TotalSeconds:0} s; the mount process (pid {child.Id}) keeps trying; see its log").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            File.Delete(readyFile);
        }
    }

    /// <summary>How to run this program again: the app host, or 'dotnet s3cfs.dll'.</summary>
    private static IEnumerable<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new IOException("cannot find this program's path");
        var entry = typeof(MountCommand).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, entry] : [process];
    }
}
