using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.FileSystem;
using S3Fs.Dokan;

namespace S3Fs.Cli.Mounting;

/// <summary>
/// Serves a mount on Windows through Dokan (<c>s3cfs mount photos.conf S:</c>), in this process, until Ctrl+C or
/// <c>s3cfs unmount S:</c>. The same core, options file and encryption as on Linux; see docs/WINDOWS.md.
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class WindowsMountServer
{
    public static async Task<int> RunAsync(OptionSet options, MountSettings settings, ConnectionSettings connection, string mountPoint, CommandContext context, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var logger = logging.CreateLogger("S3Fs.Mount");
        var volume = await VolumeOpener.OpenAsync(options, context.Services, forWriting: !settings.ReadOnly, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
        var mounted = FileSystemBuilder.Build(volume, settings, logging);
        await using var scope = mounted.ConfigureAwait(false);
        if (!settings.ReadOnly)
        {
            await mounted.FileSystem.RecoverAsync(cancellationToken).ConfigureAwait(false);
        }

        var dokanOptions = new DokanMountOptions
        {
            MountPoint = mountPoint,
            VolumeName = options.GetText("volume_name") ?? connection.Bucket,
            ReadOnly = settings.ReadOnly,
            CaseInsensitive = options.GetBoolean("case_insensitive") ?? true,
            Timeout = options.GetDuration("dokan_timeout") ?? TimeSpan.FromSeconds(30),
            Uid = settings.Uid,
            Gid = settings.Gid,
            FileMode = settings.FileMode ?? (Convert.ToUInt32("666", 8) & ~settings.Umask),
            DirectoryMode = settings.DirMode ?? (Convert.ToUInt32("777", 8) & ~settings.Umask),
        };
        DokanMount mount;
        try
        {
            mount = DokanMount.Mount(mounted.FileSystem, dokanOptions, logger);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or DllNotFoundException)
        {
            await context.Error.WriteLineAsync($"s3cfs mount: {e.Message} (is the Dokan 2 driver installed? see docs/WINDOWS.md)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (mount.ConfigureAwait(false))
        {
            await context.Out.WriteLineAsync($"s3cfs: mounted s3://{connection.Bucket}/{connection.Prefix} on {mountPoint}; Ctrl+C or 's3cfs unmount {mountPoint}' to unmount").ConfigureAwait(false);
            using var registration = cancellationToken.Register(() => mount.Unmount());
            await mount.WaitForUnmountAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            await mounted.FileSystem.FlushAllAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (FsException e)
        {
            await context.Error.WriteLineAsync($"s3cfs mount: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
