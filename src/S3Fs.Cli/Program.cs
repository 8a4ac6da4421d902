namespace S3Fs.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return await CommandLine.RunAsync(args, Console.Out, Console.Error, new AwsServiceFactory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance), cts.Token).ConfigureAwait(false);
    }
}
