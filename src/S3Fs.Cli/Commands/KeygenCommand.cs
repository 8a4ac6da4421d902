using System.Security.Cryptography;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Commands;

/// <summary><c>s3cfs keygen &lt;file&gt;</c>: a new random 256-bit master key file, mode 0600, never overwriting.</summary>
internal sealed class KeygenCommand : ICommand
{
    public string Name => "keygen";

    public string Summary => "create a new local master key file";

    public string Usage => """
        usage: s3cfs keygen <file>

        Writes a new random 256-bit master key (base64, one line) to <file> with mode 0600 and prints its key id,
        the id recorded in every object it wraps. Refuses to overwrite an existing file. Use it as
        'master_key = file:<file>'. Keep a copy somewhere safe: without it, files it wrapped cannot be read.
        """;

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1 || args.Options.Count > 0)
        {
            throw new UsageException("keygen takes exactly one argument: the key file to create");
        }

        var path = Path.GetFullPath(args.Positionals[0]);
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
        {
            await context.Error.WriteLineAsync($"s3cfs keygen: directory {dir} does not exist; create it first (mode 0700 is a good choice)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var key = GC.AllocateArray<byte>(32, pinned: true);
        var text = GC.AllocateArray<byte>(45, pinned: true); // 44 base64 characters and a newline
        try
        {
            RandomNumberGenerator.Fill(key);
            System.Buffers.Text.Base64.EncodeToUtf8(key, text, out _, out var written);
            text[written] = (byte)'\n';
            if (File.Exists(path) || Directory.Exists(path))
            {
                await context.Error.WriteLineAsync($"s3cfs keygen: {path} already exists; refusing to overwrite a key (files it wrapped would become unreadable). Choose another name.").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            // CreateNew: if another process created the file since the check, this fails rather than overwrite it.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(path, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(text, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            using var master = FileMasterKey.FromKey(key);
            await context.Out.WriteLineAsync($"{master.KeyId}").ConfigureAwait(false);
            await context.Error.WriteLineAsync($"s3cfs keygen: wrote {path} (mode 0600); use it as: master_key = file:{path}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(text);
        }
    }
}
