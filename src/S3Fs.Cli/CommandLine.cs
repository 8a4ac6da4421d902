namespace S3Fs.Cli;

/// <summary>Placeholder dispatcher; replaced by the real command set.</summary>
internal static class CommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        await Task.Yield();
        _ = cancellationToken;
        if (args.Length == 1 && args[0] == "--version")
        {
            await stdout.WriteLineAsync("s3cfs 0.1.0").ConfigureAwait(false);
            return 0;
        }

        await stderr.WriteLineAsync("usage: s3cfs <command> ...").ConfigureAwait(false);
        return 2;
    }
}
