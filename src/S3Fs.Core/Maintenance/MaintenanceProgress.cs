namespace S3Fs.Core.Maintenance;

/// <summary>
/// A snapshot of a run: objects listed and finished, bytes moved, outcome counts, elapsed time. Progress lines and
/// the final summary are both made from it.
/// </summary>
public sealed record MaintenanceProgress
{
    /// <summary>Objects the run has listed so far (those it will process; markers and internal objects excluded).</summary>
    public long Listed { get; init; }

    /// <summary>Whether the listing has reached its end, so <see cref="Listed"/> is the total.</summary>
    public bool ListingComplete { get; init; }

    /// <summary>Objects with an outcome.</summary>
    public long Done => Changed + Unchanged + Warnings + Invalid + Errors;

    public long Changed { get; init; }

    public long Unchanged { get; init; }

    public long Warnings { get; init; }

    public long Invalid { get; init; }

    public long Errors { get; init; }

    /// <summary>Bytes the run moved: read (verify, migrate) or copied server-side (rekey).</summary>
    public long Bytes { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>Objects per second so far (0 before the first second-fraction has passed).</summary>
    public double ObjectsPerSecond => Elapsed > TimeSpan.Zero ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>Bytes per second so far.</summary>
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? Bytes / Elapsed.TotalSeconds : 0;
}

/// <summary>The end of a run: the last snapshot, and whether it was interrupted before every listed object was done.</summary>
/// <param name="Progress">Counts and rates at the end.</param>
/// <param name="Interrupted">Cancelled before the end: objects not done were left untouched and a new run picks them up.</param>
/// <param name="SkippedMarkers">Directory markers and <c>.s3cfs/</c> objects left alone.</param>
/// <param name="ListingFailure">The listing failed part-way (objects listed before it were still handled); null if it did not.</param>
public sealed record MaintenanceSummary(MaintenanceProgress Progress, bool Interrupted, long SkippedMarkers, Exception? ListingFailure = null)
{
    /// <summary>Listed objects that got no outcome (only after an interruption).</summary>
    public long NotDone => Progress.Listed - Progress.Done;

    public bool HasInvalid => Progress.Invalid > 0;

    public bool HasErrors => Progress.Errors > 0;
}

/// <summary>
/// Receives a run's results as they happen. The runner calls it from one caller at a time (never concurrently), so
/// an implementation can write lines without its own lock; calls must be quick (no I/O waits beyond a console write).
/// </summary>
public interface IMaintenanceObserver
{
    /// <summary>One object's outcome, once per object that got one.</summary>
    void OnOutcome(ObjectOutcome outcome);

    /// <summary>A periodic snapshot (every <see cref="MaintenanceRunOptions.ProgressInterval"/> while the run lasts).</summary>
    void OnProgress(MaintenanceProgress progress);
}

/// <summary>Lets a task report bytes as it moves them, so rates stay live during one large object.</summary>
public interface IByteCounter
{
    void Add(long bytes);
}

/// <summary>Counts nothing: for bytes that should not enter a run's rate (or are counted elsewhere).</summary>
public sealed class NullByteCounter : IByteCounter
{
    public static readonly NullByteCounter Instance = new();

    private NullByteCounter()
    {
    }

    public void Add(long bytes)
    {
    }
}
