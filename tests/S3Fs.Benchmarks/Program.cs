using BenchmarkDotNet.Running;

namespace S3Fs.Benchmarks;

internal static class Program
{
    /// <summary>
    /// BenchmarkDotNet benchmarks; <c>content-rgw [MiB]</c> and <c>maintenance-rgw [objects] [MiB]</c> run the RGW
    /// throughput harnesses instead, and <c>direct &lt;op&gt;</c> the direct S3 client of scripts/bench.sh.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["content-rgw", ..])
        {
            return await Content.ContentThroughput.RunAsync(args[1..]);
        }

        if (args is ["maintenance-rgw", ..])
        {
            return await Maintenance.MaintenanceThroughput.RunAsync(args[1..]);
        }

        if (args is ["direct", ..])
        {
            return await Direct.DirectClient.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
