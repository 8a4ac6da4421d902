using System.Diagnostics;
using S3Fs.Cli.Mounting;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs unmount &lt;mountpoint&gt;</c>: detaches the mount and waits until its process has stored every change,
/// reporting whether it succeeded. Refuses (without --lazy) while files are open, as umount does.
/// </summary>
internal sealed class UnmountCommand : ICommand
{
    /// <summary>Uploads can be slow; after this the command stops waiting (the process keeps going) and says so.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    public string Name => "unmount";

    public string Summary => "unmount, after every change is stored";

    public string Usage => """
        usage: s3cfs unmount <mountpoint> [--lazy]

        Unmounts an s3cfs mount and waits until the process serving it has uploaded every change, then reports
        whether all of them were stored. A busy mount (files open) is refused unless --lazy, which detaches it now
        and lets open files finish.
        """;

    public IReadOnlyCollection<string> Flags => ["--lazy"];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1 || args.Options.Count > 0)
        {
            throw new UsageException("unmount takes one mount point");
        }

        if (OperatingSystem.IsWindows())
        {
            var unmounted = S3Fs.Dokan.DokanMount.Unmount(args.Positionals[0]);
            if (!unmounted)
            {
                await context.Error.WriteLineAsync($"s3cfs unmount: no Dokan volume is mounted at {args.Positionals[0]}").ConfigureAwait(false);
            }

            return unmounted ? ExitCodes.Ok : ExitCodes.Failure;
        }

        var mountPoint = Path.GetFullPath(args.Positionals[0]);
        var type = MountTable.TypeAt(mountPoint);
        if (type != "fuse.s3cfs")
        {
            await context.Error.WriteLineAsync(type is null
                ? $"s3cfs unmount: {mountPoint} is not mounted"
                : $"s3cfs unmount: {mountPoint} is a {type} mount, not s3cfs; use umount").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var runtime = RuntimeFiles.For(mountPoint);
        var pid = runtime.ReadPid();
        var psi = new ProcessStartInfo("fusermount3") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-u");
        if (args.Has("--lazy"))
        {
            psi.ArgumentList.Add("-z");
        }

        psi.ArgumentList.Add(mountPoint);
        using (var fusermount = Process.Start(psi) ?? throw new IOException("cannot run fusermount3 (package fuse3)"))
        {
            var error = await fusermount.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await fusermount.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (fusermount.ExitCode != 0)
            {
                var busy = error.Contains("busy", StringComparison.OrdinalIgnoreCase);
                await context.Error.WriteLineAsync($"s3cfs unmount: {error.Trim()}{(busy ? " (files are open: close them, or use --lazy)" : string.Empty)}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        if (pid is null)
        {
            return ExitCodes.Ok; // mounted by something that left no pid file (e.g. an older run); nothing to wait for
        }

        var started = DateTime.UtcNow;
        var told = false;
        while (RuntimeFiles.IsAlive(pid.Value))
        {
            if (!told && DateTime.UtcNow - started > TimeSpan.FromSeconds(3))
            {
                await context.Error.WriteLineAsync($"s3cfs unmount: waiting for s3cfs (pid {pid}) to finish storing changes...").ConfigureAwait(false);
                told = true;
            }

            if (DateTime.UtcNow - started > MaxWait)
            {
                await context.Error.WriteLineAsync($"s3cfs unmount: pid {pid} is still storing changes after {MaxWait.TotalMinutes:0} minutes; it keeps retrying (see its log)").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        var status = runtime.ReadStatus();
        if (status is not null && status != "ok")
        {
            await context.Error.WriteLineAsync($"s3cfs unmount: {status.Replace("error: ", string.Empty, StringComparison.Ordinal)}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }
}
