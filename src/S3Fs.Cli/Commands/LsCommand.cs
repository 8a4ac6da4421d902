using System.Globalization;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;
using S3Fs.Core.Volume;
using S3Fs.Crypto.Format;

namespace S3Fs.Cli.Commands;

/// <summary><c>s3cfs ls &lt;options-file&gt; [path]</c>: lists a folder of the mounted bucket through the object store.</summary>
internal sealed class LsCommand : ICommand
{
    public string Name => "ls";

    public string Summary => "list a folder of the bucket";

    public string Usage => """
        usage: s3cfs ls <options-file> [path] [-o key=value,...]

        Lists the files and folders under <path> (default: the root of the mount), one per line:
        type, size in bytes, modification time (UTC) and name. Folders end in '/'. In an encrypted volume the
        size is the plaintext size, computed from the listing alone (no key needed, no request per file).
        """;

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count is < 1 or > 2)
        {
            throw new UsageException("ls takes an options file and an optional path");
        }

        var options = OptionSet.Load(args.Positionals[0], args.Options);
        var connection = ConnectionSettings.Bind(options);
        var path = args.Positionals.Count > 1 ? NormalizePath(args.Positionals[1]) : string.Empty;
        var store = await context.Services.CreateStoreAsync(connection, options, forWriting: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var volume = await new VolumeDescriptorStore(store).FindAsync(connection.Prefix, cancellationToken).ConfigureAwait(false);
            BlockLayout? layout = volume is { Descriptor.IsEncrypted: true } v ? BlockLayout.ForBlockSize(v.Descriptor.BlockSize) : null;
            var listed = 0;
            string? token = null;
            var prefix = connection.Prefix + path;
            do
            {
                var page = await store.ListAsync(new ListRequest(prefix) { ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                foreach (var dir in page.CommonPrefixes)
                {
                    var name = dir[prefix.Length..];
                    if (!IsInternal(name))
                    {
                        await context.Out.WriteLineAsync($"d {0,14} {"-",-19} {name}").ConfigureAwait(false);
                        listed++;
                    }
                }

                foreach (var obj in page.Objects)
                {
                    var name = obj.Key[prefix.Length..];
                    if (name.Length == 0 || IsInternal(name))
                    {
                        continue; // the folder's own marker object, or our own metadata
                    }

                    var when = obj.LastModified.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                    var size = layout is { } l && l.TryPlainSizeFromCipherSize(obj.Size, out var plain) ? plain : obj.Size;
                    await context.Out.WriteLineAsync($"- {size,14} {when,-19} {name}").ConfigureAwait(false);
                    listed++;
                }

                token = page.NextContinuationToken;
            }
            while (token is not null);

            if (listed == 0 && path.Length > 0)
            {
                await context.Error.WriteLineAsync($"s3cfs ls: nothing under '{path}' in s3://{connection.Bucket}/{connection.Prefix}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Ok;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>Names under <c>.s3cfs/</c> hold the volume's own metadata and are never shown.</summary>
    private static bool IsInternal(string name) => name.StartsWith(".s3cfs/", StringComparison.Ordinal);

    private static string NormalizePath(string path)
    {
        var p = path.Trim('/');
        return p.Length == 0 ? string.Empty : p + "/";
    }
}
