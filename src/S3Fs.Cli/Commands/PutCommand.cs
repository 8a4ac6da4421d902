using S3Fs.Cli.Logging;
using S3Fs.Cli.Mounting;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Content;
using S3Fs.Core.Namespace;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs put &lt;options-file&gt; &lt;local-file&gt; &lt;path&gt;</c>: stores one local file in the bucket in the volume's
/// format (encrypted unless encryption = none), with its mode and times, without a mount.
/// </summary>
internal sealed class PutCommand : ICommand
{
    /// <summary>Read size from the local file: large enough for throughput, small next to the cache.</summary>
    private const int Chunk = 1 << 20;

    public string Name => "put";

    public string Summary => "copy a local file into the bucket (encrypted), without a mount";

    public string Usage => """
        usage: s3cfs put <options-file> <local-file> <path> [-o key=value,...]

        Stores <local-file> at <path> in the bucket (relative to the mount root; a path ending in '/' keeps the
        local name), encrypted with the volume's master key unless encryption = none, keeping its mode and
        modification time. Replaces an existing file. Reports only after S3 confirmed the upload.
        """;

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 3)
        {
            throw new UsageException("put takes an options file, a local file and a path in the bucket");
        }

        var local = Path.GetFullPath(args.Positionals[1]);
        if (!File.Exists(local))
        {
            throw new UsageException(Directory.Exists(local) ? $"{local} is a directory; put copies one file (mount the bucket and use cp -r or rsync for trees)" : $"{local} does not exist");
        }

        var relative = ObjectPaths.Normalize(args.Positionals[2], Path.GetFileName(local));
        var options = OptionSet.Load(args.Positionals[0], args.Options);
        var settings = MountSettings.Bind(options);
        if (settings.ReadOnly)
        {
            throw new UsageException("read_only is set: put would write to the bucket");
        }

        using var logging = LoggingSetup.Create(options);
        context.Services.Logging = logging;
        var volume = await VolumeOpener.OpenAsync(options, context.Services, forWriting: true, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
        await using var volumeScope = volume.ConfigureAwait(false);
        var contents = new ContentStore(volume.Store, FileSystemBuilder.ContentOptionsFor(volume, settings), logging.CreateLogger("S3Fs.Content"));
        await using var contentsScope = contents.ConfigureAwait(false);
        var key = volume.Prefix + relative;
        var info = new FileInfo(local);
        var content = contents.CreateNew();
        await using (content.ConfigureAwait(false))
        {
            var source = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, Chunk, useAsync: true);
            await using (source.ConfigureAwait(false))
            {
                var buffer = new byte[Chunk];
                long offset = 0;
                int n;
                while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await content.WriteAsync(offset, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    offset += n;
                }
            }

            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            var now = DateTimeOffset.UtcNow;
            new PosixAttributes
            {
                Mode = PosixAttributes.RegularType | (OperatingSystem.IsWindows() ? 0x1A4u : (uint)info.UnixFileMode),
                Uid = settings.Uid,
                Gid = settings.Gid,
                MTime = info.LastWriteTimeUtc,
                ATime = now,
                CTime = now,
            }.WriteTo(attributes);
            var stored = await content.UploadAsync(key, attributes, cancellationToken).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"{local} -> s3://{volume.Store.Bucket}/{key} ({content.Size} bytes{(volume.Encrypt ? ", encrypted" : string.Empty)}, {stored.Size} stored)").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
