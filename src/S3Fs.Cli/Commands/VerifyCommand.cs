using S3Fs.Cli.Logging;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Maintenance;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs verify &lt;options-file&gt; [path]</c>: authenticates every block of every encrypted object under the
/// path and names each bad one with the reason (see <see cref="Verifier"/>). Reads only; exit status 3 when any
/// object fails.
/// </summary>
internal sealed class VerifyCommand : ICommand
{
    /// <summary>
    /// Objects read at once: 8, because small objects are bound by request latency (a HEAD and a GET each). A large
    /// object holds two read buffers of 8 MiB, so the run stays within 128 MiB of buffers.
    /// </summary>
    private const int Concurrency = 8;

    public string Name => "verify";

    public string Summary => "authenticate every block of every file and report the bad ones (reads only)";

    public string Usage => """
        usage: s3cfs verify <options-file> [path] [-o key=value,...]

        Reads every file under <path> (default: the whole mount) once, in ranged GETs, and checks everything that
        makes it readable: the envelope, that a configured key unwraps its data key, the key commitment, the object
        size, and every block's authentication tag including the final-block rule (so truncation is found). Each bad
        file is named with the reason (tampered block N, truncated, unknown key id, malformed envelope field);
        plain (unencrypted) files are reported as warnings. Writes nothing. Exit status: 0 all authentic, 3 some
        file failed, 1 some file could not be read, 130 interrupted.
        """;

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        var subPath = MaintenanceConsole.SubPath(args, Name);
        var options = OptionSet.Load(args.Positionals[0], args.Options);
        if (!EncryptionSettings.Bind(options).Encrypt)
        {
            throw new UsageException("verify authenticates encrypted files and needs the volume's keys: set encryption = client with master_key (and old_keys for files under older keys)");
        }

        using var logging = LoggingSetup.Create(options);
        context.Services.Logging = logging;
        var volume = await VolumeOpener.OpenAsync(options, context.Services, forWriting: false, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
        await using var volumeScope = volume.ConfigureAwait(false);
        var task = new Verifier(volume.Store, volume.Ciphers!, new VerifyOptions { VolumeBlockSize = volume.Descriptor?.BlockSize });
        var console = new MaintenanceConsole(context, new MaintenanceWords(Name, "changed", "authentic", "BAD"));
        var summary = await new MaintenanceRunner(volume.Store, new MaintenanceRunOptions { Concurrency = Concurrency })
            .RunAsync(new MaintenanceScope(volume.Prefix, subPath), task, console, cancellationToken).ConfigureAwait(false);
        return await console.FinishAsync(summary, subPath, integrityExitCode: true).ConfigureAwait(false);
    }
}
