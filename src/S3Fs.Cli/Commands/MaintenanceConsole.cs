using System.Globalization;
using S3Fs.Core.Maintenance;

namespace S3Fs.Cli.Commands;

/// <summary>How one maintenance command names things in its report.</summary>
/// <param name="Command">The command name, e.g. <c>rekey</c>.</param>
/// <param name="Changed">Summary word for changed objects (<c>re-keyed</c>, <c>to encrypt</c>...).</param>
/// <param name="Unchanged">Summary word for objects left as they were (<c>already current</c>, <c>ok</c>...).</param>
/// <param name="Invalid">Line label and summary word for bad objects (<c>BAD</c>, <c>FAILED</c>).</param>
internal sealed record MaintenanceWords(string Command, string Changed, string Unchanged, string Invalid);

/// <summary>
/// The text side of <c>rekey</c>, <c>verify</c> and <c>migrate</c>: one line per changed or problematic object on
/// standard output (<c>path: what was done</c>, or <c>LABEL: path: reason</c>), a progress line on standard error
/// every few seconds, and a summary. Also maps a run's summary to the exit status documented in
/// docs/CONFIGURATION.md. Objects that needed nothing are counted, not listed.
/// </summary>
internal sealed class MaintenanceConsole(CommandContext context, MaintenanceWords words) : IMaintenanceObserver
{
    private long _extraProblems;

    /// <summary>Reports an object handled outside the run (the volume descriptor); its problems count towards the exit status.</summary>
    public void Extra(ObjectOutcome outcome)
    {
        OnOutcome(outcome);
        if (outcome.Kind is OutcomeKind.Invalid or OutcomeKind.Error)
        {
            _extraProblems++;
        }
    }

    public void OnOutcome(ObjectOutcome outcome)
    {
        var line = outcome.Kind switch
        {
            OutcomeKind.Changed => $"{outcome.Path}: {outcome.Detail}",
            OutcomeKind.Warning => $"warning: {outcome.Path}: {outcome.Detail}",
            OutcomeKind.Invalid => $"{words.Invalid}: {outcome.Path}: {outcome.Detail}",
            OutcomeKind.Error => $"ERROR: {outcome.Path}: {outcome.Detail}",
            _ => null,
        };
        if (line is not null)
        {
            context.Out.WriteLine(line);
        }
    }

    public void OnProgress(MaintenanceProgress progress)
    {
        var total = progress.ListingComplete ? N(progress.Listed) : $"{N(progress.Listed)}+";
        var problems = progress.Invalid + progress.Errors > 0 ? $", {N(progress.Invalid + progress.Errors)} with problems" : string.Empty;
        context.Error.WriteLine($"s3cfs {words.Command}: {N(progress.Done)}/{total} objects, {Size(progress.Bytes)}, {progress.ObjectsPerSecond.ToString("0.0", CultureInfo.InvariantCulture)} objects/s, {Size((long)progress.BytesPerSecond)}/s{problems}");
    }

    /// <summary>Prints the summary (and why the run stopped early, if it did) and returns the exit status.</summary>
    public async Task<int> FinishAsync(MaintenanceSummary summary, string subPath, bool integrityExitCode)
    {
        var p = summary.Progress;
        var counts = new List<string> { $"{N(p.Changed)} {words.Changed}", $"{N(p.Unchanged)} {words.Unchanged}" };
        if (p.Warnings > 0)
        {
            counts.Add($"{N(p.Warnings)} warning(s)");
        }

        if (p.Invalid > 0)
        {
            counts.Add($"{N(p.Invalid)} {words.Invalid.ToLowerInvariant()}");
        }

        if (p.Errors > 0)
        {
            counts.Add($"{N(p.Errors)} error(s)");
        }

        var seconds = p.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var rate = p.ObjectsPerSecond.ToString("0.0", CultureInfo.InvariantCulture);
        var skipped = summary.SkippedMarkers > 0 ? $"; {N(summary.SkippedMarkers)} folder marker(s) and .s3cfs object(s) left alone" : string.Empty;
        await context.Out.WriteLineAsync($"{words.Command}: {N(p.Done)} objects, {Size(p.Bytes)} in {seconds} s ({rate} objects/s, {Size((long)p.BytesPerSecond)}/s): {string.Join(", ", counts)}{skipped}").ConfigureAwait(false);

        if (summary.Interrupted)
        {
            await context.Error.WriteLineAsync($"s3cfs {words.Command}: interrupted with {N(summary.NotDone)} listed object(s) not done (each object is either done or untouched); run the same command again to continue").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        if (summary.ListingFailure is { } failure)
        {
            await context.Error.WriteLineAsync($"s3cfs {words.Command}: the listing failed after {N(p.Listed)} objects, so the run is incomplete: {failure.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (p.Listed == 0 && subPath.Length > 0)
        {
            await context.Error.WriteLineAsync($"s3cfs {words.Command}: no files under '{subPath}'").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (p.Invalid > 0 && integrityExitCode)
        {
            return ExitCodes.IntegrityProblems;
        }

        if (p.Invalid + p.Errors + _extraProblems > 0)
        {
            await context.Error.WriteLineAsync($"s3cfs {words.Command}: {N(p.Invalid + p.Errors + _extraProblems)} object(s) could not be processed (listed above); fix the cause and run the same command again").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    /// <summary>The optional path argument: relative to the mount root, '/'-separated, no '.', '..' or empty parts.</summary>
    public static string SubPath(CommandArguments args, string command)
    {
        if (args.Positionals.Count is < 1 or > 2)
        {
            throw new UsageException($"{command} takes an options file and an optional path in the bucket");
        }

        var path = args.Positionals.Count > 1 ? args.Positionals[1].Replace('\\', '/').Trim('/') : string.Empty;
        if (path.Length > 0 && path.Split('/').Any(c => c.Length == 0 || c == "." || c == ".."))
        {
            throw new UsageException($"'{args.Positionals[1]}' has an empty, '.' or '..' component");
        }

        if (path == ".s3cfs" || path.StartsWith(".s3cfs/", StringComparison.Ordinal))
        {
            throw new UsageException("'.s3cfs/' holds the volume's own metadata, which maintenance commands leave alone");
        }

        return path;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Bytes for people: B, KiB, MiB, GiB with one decimal.</summary>
    internal static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
