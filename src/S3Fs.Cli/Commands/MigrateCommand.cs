using S3Fs.Cli.Logging;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Maintenance;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs migrate &lt;options-file&gt; [path] [--dry-run]</c>: encrypts the plain objects under the path in place,
/// keeping names, attributes and content types (see <see cref="Migrator"/>).
/// </summary>
internal sealed class MigrateCommand : ICommand
{
    /// <summary>Objects in flight; their part buffers come from one run-wide pool (MigrateOptions.MaxPartBuffers), so memory stays bounded.</summary>
    private const int Concurrency = 4;

    public string Name => "migrate";

    public string Summary => "encrypt the plain (unencrypted) files already in the bucket, in place";

    public string Usage => """
        usage: s3cfs migrate <options-file> [path] [--dry-run] [-o key=value,...]

        Encrypts every plain file under <path> (default: the whole mount), for example files written by s3fs-fuse
        or other tools before client-side encryption was turned on: same names, contents encrypted in the volume's
        format under master_key, attributes (mode, owner, times, xattrs) and content type kept. Large files are
        streamed in parts, never held in memory. Each replacement applies only to the version that was read: a file
        changed meanwhile is reported and left as it was. Encrypted files, folder markers and .s3cfs/ are left
        alone, so the command can be repeated or resumed after an interruption (Ctrl-C, exit status 130).
        --dry-run lists what would be encrypted and writes nothing.
        """;

    public IReadOnlyCollection<string> Flags => ["--dry-run"];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        var subPath = MaintenanceConsole.SubPath(args, Name);
        var dryRun = args.Has("--dry-run");
        var options = OptionSet.Load(args.Positionals[0], args.Options);
        if (!EncryptionSettings.Bind(options).Encrypt)
        {
            throw new UsageException("migrate encrypts files and needs encryption = client with a master_key");
        }

        if (MountSettings.Bind(options).ReadOnly && !dryRun)
        {
            throw new UsageException("read_only is set: migrate rewrites objects (use --dry-run to only list them)");
        }

        using var logging = LoggingSetup.Create(options);
        context.Services.Logging = logging;
        var volume = await VolumeOpener.OpenAsync(options, context.Services, forWriting: !dryRun, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
        await using var volumeScope = volume.ConfigureAwait(false);
        using var task = new Migrator(volume.Store, volume.Ciphers!, new MigrateOptions { DryRun = dryRun });
        var console = new MaintenanceConsole(context, new MaintenanceWords(Name, dryRun ? "to encrypt" : "encrypted", "already encrypted", "FAILED"));
        var summary = await new MaintenanceRunner(volume.Store, new MaintenanceRunOptions { Concurrency = Concurrency })
            .RunAsync(new MaintenanceScope(volume.Prefix, subPath), task, console, cancellationToken).ConfigureAwait(false);
        return await console.FinishAsync(summary, subPath, integrityExitCode: false).ConfigureAwait(false);
    }
}
