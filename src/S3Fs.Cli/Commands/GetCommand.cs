using S3Fs.Cli.Logging;
using S3Fs.Cli.Mounting;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Content;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Commands;

/// <summary>
/// <c>s3cfs get &lt;options-file&gt; &lt;path&gt; &lt;local-file&gt;</c>: reads one file out of the bucket, decrypting and
/// authenticating every block. The local file appears only when everything authenticated: the bytes go to a
/// temporary file beside it that is renamed at the end, and deleted on any failure.
/// </summary>
internal sealed class GetCommand : ICommand
{
    private const int Chunk = 1 << 20;

    public string Name => "get";

    public string Summary => "copy a file out of the bucket (decrypted), without a mount";

    public string Usage => """
        usage: s3cfs get <options-file> <path> <local-file> [-o key=value,...]

        Reads <path> from the bucket, decrypting and authenticating every block, and writes it to <local-file>
        ('-' for standard output), with the stored mode and modification time. If any block fails to authenticate
        or no configured key opens the file, nothing is written (exit status 1) and the bucket is unchanged.
        """;

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 3)
        {
            throw new UsageException("get takes an options file, a path in the bucket and a local file");
        }

        var relative = ObjectPaths.Normalize(args.Positionals[1], null);
        var toStdout = args.Positionals[2] == "-";
        var local = toStdout ? null : Path.GetFullPath(args.Positionals[2]);
        if (local is not null && Directory.Exists(local))
        {
            local = Path.Combine(local, Path.GetFileName(relative));
        }

        var options = OptionSet.Load(args.Positionals[0], args.Options);
        var settings = MountSettings.Bind(options);
        using var logging = LoggingSetup.Create(options);
        context.Services.Logging = logging;
        var volume = await VolumeOpener.OpenAsync(options, context.Services, forWriting: false, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
        await using var volumeScope = volume.ConfigureAwait(false);
        var contents = new ContentStore(volume.Store, FileSystemBuilder.ContentOptionsFor(volume, settings), logging.CreateLogger("S3Fs.Content"));
        await using var contentsScope = contents.ConfigureAwait(false);
        var key = volume.Prefix + relative;
        var head = await volume.Store.HeadAsync(new HeadRequest(key), cancellationToken).ConfigureAwait(false);
        var content = await contents.OpenAsync(head, cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            if (toStdout)
            {
                var stdout = Console.OpenStandardOutput();
                await using (stdout.ConfigureAwait(false))
                {
                    await CopyAsync(content, stdout, cancellationToken).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }

            var temp = Path.Combine(Path.GetDirectoryName(local)!, $".{Path.GetFileName(local)}.s3cfs-{Guid.NewGuid():N}");
            try
            {
                var output = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous });
                await using (output.ConfigureAwait(false))
                {
                    await CopyAsync(content, output, cancellationToken).ConfigureAwait(false);
                }

                var posix = PosixAttributes.Parse(head.Metadata.UserMetadata);
                if (posix.Mode is { } mode && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temp, (UnixFileMode)(mode & 0xFFF));
                }

                File.SetLastWriteTimeUtc(temp, (posix.MTime ?? head.LastModified).UtcDateTime);
                File.Move(temp, local!, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }

            await context.Out.WriteLineAsync($"s3://{volume.Store.Bucket}/{key} -> {local} ({content.Size} bytes)").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static async Task CopyAsync(IFileContent content, Stream output, CancellationToken cancellationToken)
    {
        using var reader = content.CreateReader();
        var buffer = new byte[Chunk];
        long offset = 0;
        while (offset < content.Size)
        {
            var n = await reader.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException($"the object ended after {offset} of {content.Size} bytes");
            }

            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            offset += n;
        }
    }
}
