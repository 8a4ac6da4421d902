using System.Globalization;
using S3Fs.Cli.Options;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Cli.Commands;

/// <summary><c>s3cfs inspect &lt;options-file&gt; &lt;path&gt;</c>: an object's envelope, without keys and without decrypting.</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "inspect";

    public string Summary => "show an object's encryption envelope (no keys needed)";

    public string Usage => """
        usage: s3cfs inspect <options-file> <path> [-o key=value,...]

        Shows how the object behind <path> is stored: format version, algorithm, block size, file id, the master
        key's provider and id, object and plaintext sizes, and its POSIX attributes. Reads only metadata (one HEAD);
        needs no key. Exit status 1 if the envelope is malformed.
        """;

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 2)
        {
            throw new UsageException("inspect takes an options file and a path");
        }

        var options = OptionSet.Load(args.Positionals[0], args.Options);
        var connection = ConnectionSettings.Bind(options);
        var key = connection.Prefix + args.Positionals[1].TrimStart('/');
        var store = await context.Services.CreateStoreAsync(connection, options, forWriting: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var head = await store.HeadAsync(new HeadRequest(key), cancellationToken).ConfigureAwait(false);
            var md = head.Metadata.UserMetadata;
            var o = context.Out;
            await o.WriteLineAsync($"object:        s3://{store.Bucket}/{key}").ConfigureAwait(false);
            await o.WriteLineAsync($"object size:   {head.Size}").ConfigureAwait(false);
            await o.WriteLineAsync($"etag:          {head.ETag}").ConfigureAwait(false);
            await o.WriteLineAsync($"last modified: {head.LastModified.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            if (!EnvelopeCodec.HasEnvelope(md))
            {
                await o.WriteLineAsync("encryption:    none (a plain object)").ConfigureAwait(false);
            }
            else
            {
                ObjectEnvelope envelope;
                try
                {
                    envelope = EnvelopeCodec.Decode(md);
                }
                catch (EnvelopeFormatException e)
                {
                    await context.Error.WriteLineAsync($"s3cfs inspect: s3://{store.Bucket}/{key}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                var layout = envelope.Layout;
                var plain = layout.TryPlainSizeFromCipherSize(head.Size, out var p) ? p.ToString(CultureInfo.InvariantCulture) : "invalid (the object size cannot be ciphertext of this block size: truncated or extended?)";
                await o.WriteLineAsync($"encryption:    client-side, format v{FormatV1.Version}, {FormatV1.Algorithm}").ConfigureAwait(false);
                await o.WriteLineAsync($"block size:    {envelope.BlockSize}").ConfigureAwait(false);
                await o.WriteLineAsync($"file id:       {envelope.FileId}").ConfigureAwait(false);
                await o.WriteLineAsync($"key provider:  {envelope.Provider}").ConfigureAwait(false);
                await o.WriteLineAsync($"key id:        {envelope.KeyId}").ConfigureAwait(false);
                await o.WriteLineAsync($"wrapped key:   {envelope.WrappedKey.Length} bytes").ConfigureAwait(false);
                await o.WriteLineAsync($"plain size:    {plain}").ConfigureAwait(false);
            }

            var posix = PosixAttributes.Parse(md);
            if (posix.Mode is { } mode)
            {
                await o.WriteLineAsync($"mode:          {Convert.ToString(mode, 8)}").ConfigureAwait(false);
            }

            if (posix.Uid is not null || posix.Gid is not null)
            {
                await o.WriteLineAsync($"owner:         {posix.Uid?.ToString(CultureInfo.InvariantCulture) ?? "-"}:{posix.Gid?.ToString(CultureInfo.InvariantCulture) ?? "-"}").ConfigureAwait(false);
            }

            if (posix.MTime is { } mtime)
            {
                await o.WriteLineAsync($"mtime:         {mtime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
