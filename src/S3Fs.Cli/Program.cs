using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace S3Fs.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Ctrl+C and SIGTERM cancel a running command cleanly (long maintenance runs stop between objects and exit 130;
        // a mount's serving process installs its own handlers, which flush before unmounting).
        using var cts = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await CommandLine.RunAsync(args, Console.Out, Console.Error, new AwsServiceFactory(NullLoggerFactory.Instance), cts.Token).ConfigureAwait(false);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            cts.Cancel();
        }
    }
}
