using System.Reflection;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;

namespace S3Fs.Cli;

/// <summary>
/// Dispatches <c>s3cfs &lt;command&gt; ...</c>. Every error ends as one clear message on stderr and an exit code
/// from <see cref="ExitCodes"/>; a stack trace is printed only with <c>S3CFS_DEBUG=1</c>.
/// </summary>
internal static class CommandLine
{
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new MountCommand(), new UnmountCommand(), new StatsCommand(), new LsCommand(), new PutCommand(), new GetCommand(),
        new InspectCommand(), new KeygenCommand(), new RekeyCommand(), new VerifyCommand(), new MigrateCommand(),
    ];

    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IServiceFactory services, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await stdout.WriteLineAsync(GeneralHelp()).ConfigureAwait(false);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        if (args[0] is "--version" or "-V")
        {
            await stdout.WriteLineAsync($"s3cfs {Version}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        // mount.fuse3 (fstab type fuse.s3cfs) runs "s3cfs <options-file> <mountpoint> -o <options>": a mount.
        if (!Commands.Any(c => c.Name == args[0]) && args.Length >= 2 && File.Exists(args[0]))
        {
            args = ["mount", .. args];
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            var near = Commands.Select(c => c.Name).OrderBy(n => OptionSchema.EditDistance(n, args[0])).First();
            var hint = OptionSchema.EditDistance(near, args[0]) <= 2 ? $" (did you mean '{near}'?)" : string.Empty;
            await stderr.WriteLineAsync($"s3cfs: unknown command '{args[0]}'{hint}; run 's3cfs --help' for the list").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            var parsed = CommandArguments.Parse(args[1..], command.Flags);
            if (parsed.Has("--help"))
            {
                await stdout.WriteLineAsync(command.Usage).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var context = new CommandContext(stdout, stderr, services);
            return await command.RunAsync(parsed, context, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"s3cfs {command.Name}: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync(command.Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OptionsException e)
        {
            foreach (var error in e.Errors)
            {
                await stderr.WriteLineAsync($"s3cfs {command.Name}: {error}").ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }
        catch (ObjectStoreException e)
        {
            await stderr.WriteLineAsync($"s3cfs {command.Name}: {e.Message}{Remedy(e)}").ConfigureAwait(false);
            WriteDebug(stderr, e);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is S3Fs.Core.Volume.VolumeException or S3Fs.Crypto.Keys.KeyConfigurationException or S3Fs.Crypto.Keys.KeyUnavailableException
                                       or S3Fs.Core.FileSystem.FsException or S3Fs.Crypto.IntegrityException or S3Fs.Crypto.Format.EnvelopeFormatException
                                       or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"s3cfs {command.Name}: {e.Message}").ConfigureAwait(false);
            WriteDebug(stderr, e);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"s3cfs {command.Name}: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    private static string Remedy(ObjectStoreException e) => e.Kind switch
    {
        ObjectStoreErrorKind.AccessDenied when !e.Detail.StartsWith("no AWS credentials", StringComparison.Ordinal) => " (check the credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, 'profile', and the bucket policy)",
        ObjectStoreErrorKind.NotFound when e.Key is null => " (check 'bucket' and 'endpoint' in the options file)",
        ObjectStoreErrorKind.Transient => " (is the endpoint reachable? check 'endpoint' and the network)",
        ObjectStoreErrorKind.Throttled => " (the server is throttling requests; try again later)",
        _ => string.Empty,
    };

    private static void WriteDebug(TextWriter stderr, Exception e)
    {
        if (Environment.GetEnvironmentVariable("S3CFS_DEBUG") == "1")
        {
            stderr.WriteLine(e.ToString());
        }
    }

    private static string GeneralHelp()
    {
        var lines = Commands.Select(c => $"  {c.Name,-10} {c.Summary}");
        return $"""
            s3cfs {Version}: an S3 bucket as a filesystem, encrypted client-side

            usage: s3cfs <command> [arguments] [-o key=value,...]

            commands:
            {string.Join(Environment.NewLine, lines)}

            Run 's3cfs <command> --help' for a command's arguments. Options are described in docs/CONFIGURATION.md.
            """;
    }
}
