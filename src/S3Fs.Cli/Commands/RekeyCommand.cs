using S3Fs.Cli.Logging;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Core.Volume;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs rekey &lt;options-file&gt; [path] [--dry-run]</c>: key rotation without re-uploading data. Re-wraps the data
/// key of every object under another configured key (master_key's predecessors in old_keys) under master_key, and
/// moves SSE-C objects from an old customer key (sse_c_old_keys) to sse_c_key, each with one server-side copy of the
/// object onto itself. See <see cref="Rekeyer"/> and docs/SECURITY.md, "Rotating keys".
/// </summary>
internal sealed class RekeyCommand : ICommand
{
    /// <summary>Objects in flight: each costs a HEAD and a server-side copy, no buffers, so latency is what limits a run.</summary>
    private const int Concurrency = 16;

    public string Name => "rekey";

    public string Summary => "re-wrap every file's key under the current master key (and SSE-C key), without re-uploading";

    public string Usage => """
        usage: s3cfs rekey <options-file> [path] [--dry-run] [-o key=value,...]

        After a key rotation (new key in master_key, the old one in old_keys), re-wraps the data key of every file
        under <path> (default: the whole mount) that another configured key wrapped, so the old key can be removed.
        With sse = c, files stored under a key in sse_c_old_keys move to sse_c_key in the same step. Each file is
        rewritten by one server-side copy onto itself that keeps its attributes; its contents are not re-uploaded.
        Files already under the current keys are skipped, so the command can be repeated or resumed after an
        interruption (Ctrl-C, exit status 130). A file no configured key opens is named with its key id (exit 1).
        --dry-run lists what would change and writes nothing.
        """;

    public IReadOnlyCollection<string> Flags => ["--dry-run"];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        var subPath = MaintenanceConsole.SubPath(args, Name);
        var dryRun = args.Has("--dry-run");
        var options = OptionSet.Load(args.Positionals[0], args.Options);
        var connection = ConnectionSettings.Bind(options);
        var encryption = EncryptionSettings.Bind(options);
        var settings = MountSettings.Bind(options);
        if (!encryption.Encrypt && connection.Sse.Mode != "c")
        {
            throw new UsageException("nothing to rotate: rekey moves files to master_key (encryption = client, with the old key in old_keys) and to sse_c_key (sse = c, with the old key in sse_c_old_keys); neither is configured");
        }

        if (settings.ReadOnly && !dryRun)
        {
            throw new UsageException("read_only is set: rekey rewrites objects (use --dry-run to only list them)");
        }

        using var logging = LoggingSetup.Create(options);
        context.Services.Logging = logging;
        var volume = await VolumeOpener.OpenAsync(options, context.Services, forWriting: !dryRun, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
        await using var volumeScope = volume.ConfigureAwait(false);
        var sse = connection.Sse.Mode == "c" ? AwsServiceFactory.ServerSideEncryptionFor(connection.Sse) : null;
        try
        {
            using var task = new Rekeyer(volume.Store, new RekeyOptions
            {
                Ciphers = volume.Encrypt ? volume.Ciphers : null,
                CustomerKeys = sse is { CustomerKey: { } current } ? new CustomerKeyRotation(current, sse.OldCustomerKeys) : null,
                DryRun = dryRun,
            });
            var console = new MaintenanceConsole(context, new MaintenanceWords(Name, dryRun ? "to re-key" : "re-keyed", "already current", "FAILED"));
            var summary = await new MaintenanceRunner(volume.Store, new MaintenanceRunOptions { Concurrency = Concurrency })
                .RunAsync(new MaintenanceScope(volume.Prefix, subPath), task, console, cancellationToken).ConfigureAwait(false);
            if (sse is not null && !summary.Interrupted && summary.ListingFailure is null)
            {
                await RekeyDescriptorAsync(volume, task, console, cancellationToken).ConfigureAwait(false);
            }

            return await console.FinishAsync(summary, subPath, integrityExitCode: false).ConfigureAwait(false);
        }
        finally
        {
            DisposeKeys(sse);
        }
    }

    /// <summary>
    /// The volume descriptor is an SSE-C object like any file (but never listed with them): move it to the current
    /// customer key too, or the volume could not be opened once the old key is dropped.
    /// </summary>
    private static async Task RekeyDescriptorAsync(OpenVolume volume, Rekeyer task, MaintenanceConsole console, CancellationToken cancellationToken)
    {
        var found = await new VolumeDescriptorStore(volume.Store).FindAsync(volume.Prefix, cancellationToken).ConfigureAwait(false);
        if (found is { } descriptor)
        {
            var key = VolumeDescriptorStore.KeyFor(descriptor.RootPrefix);
            var path = key.StartsWith(volume.Prefix, StringComparison.Ordinal) ? key[volume.Prefix.Length..] : key;
            console.Extra(await task.ProcessKeyAsync(key, path, NullByteCounter.Instance, cancellationToken).ConfigureAwait(false));
        }
    }

    private static void DisposeKeys(ServerSideEncryption? sse)
    {
        sse?.CustomerKey?.Dispose();
        foreach (var key in sse?.OldCustomerKeys ?? [])
        {
            key.Dispose();
        }
    }
}
