using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using S3Fs.Cli.Mounting;

namespace S3Fs.Cli.Commands;

/// <summary><c>s3cfs stats &lt;mountpoint&gt;</c>: a running mount's cache, S3 and KMS counters.</summary>
internal sealed class StatsCommand : ICommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Name => "stats";

    public string Summary => "show a running mount's cache hit ratio, bytes and S3/KMS requests";

    public string Usage => """
        usage: s3cfs stats <mountpoint> [--json]

        Asks the process serving <mountpoint> for its counters since it started: memory cache hits and hit ratio,
        bytes received from and sent to S3, S3 requests by kind, KMS calls by kind. --json prints the raw document.
        """;

    public IReadOnlyCollection<string> Flags => ["--json"];

    public async Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1 || args.Options.Count > 0)
        {
            throw new UsageException("stats takes one mount point");
        }

        var mountPoint = Path.GetFullPath(args.Positionals[0]);
        var socket = RuntimeFiles.For(mountPoint).SocketFile;
        Diagnostics.MountStats stats;
        try
        {
            stats = await ControlServer.QueryAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            await context.Error.WriteLineAsync($"s3cfs stats: no running s3cfs mount answers for {mountPoint} (is it mounted, and by this user?)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (args.Has("--json"))
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(stats, Indented)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var o = context.Out;
        var c = CultureInfo.InvariantCulture;
        await o.WriteLineAsync($"mount:        {stats.MountPoint} ({stats.Source}, pid {stats.Pid}, up {TimeSpan.FromSeconds(Math.Round(stats.UptimeSeconds))})").ConfigureAwait(false);
        await o.WriteLineAsync(string.Create(c, $"cache:        {stats.CacheHitRatio:P1} hits ({stats.CacheHits} hits, {stats.CacheMisses} misses), {Mib(stats.CacheUsedBytes)} of {Mib(stats.CacheCapacityBytes)} used")).ConfigureAwait(false);
        await o.WriteLineAsync($"bytes:        {Mib(stats.BytesIn)} in from S3, {Mib(stats.BytesOut)} out to S3").ConfigureAwait(false);
        await o.WriteLineAsync($"S3 requests:  {stats.S3Requests.Values.Sum()} ({Join(stats.S3Requests)})").ConfigureAwait(false);
        await o.WriteLineAsync($"KMS calls:    {stats.KmsCalls.Values.Sum()} ({Join(stats.KmsCalls)})").ConfigureAwait(false);
        await o.WriteLineAsync($"inodes:       {stats.KnownInodes} known").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");

    private static string Join(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Where(p => p.Value > 0).Select(p => $"{p.Key} {p.Value}"));
}
