using System.Diagnostics;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// The counters of one run, updated concurrently by the workers (interlocked), read as a
/// <see cref="MaintenanceProgress"/> snapshot. Time comes from a <see cref="TimeProvider"/> so tests control it.
/// </summary>
internal sealed class MaintenanceMeter : IByteCounter
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private long _listed;
    private long _skipped;
    private long _bytes;
    private long _changed;
    private long _unchanged;
    private long _warnings;
    private long _invalid;
    private long _errors;
    private volatile bool _listingComplete;

    public MaintenanceMeter(TimeProvider time)
    {
        _time = time;
        _started = time.GetTimestamp();
    }

    public long Skipped => Interlocked.Read(ref _skipped);

    public void Add(long bytes) => Interlocked.Add(ref _bytes, bytes);

    public void Listed() => Interlocked.Increment(ref _listed);

    public void Skip() => Interlocked.Increment(ref _skipped);

    public void ListingComplete() => _listingComplete = true;

    public void Count(OutcomeKind kind)
    {
        switch (kind)
        {
            case OutcomeKind.Changed:
                Interlocked.Increment(ref _changed);
                break;
            case OutcomeKind.Unchanged:
                Interlocked.Increment(ref _unchanged);
                break;
            case OutcomeKind.Warning:
                Interlocked.Increment(ref _warnings);
                break;
            case OutcomeKind.Invalid:
                Interlocked.Increment(ref _invalid);
                break;
            case OutcomeKind.Error:
                Interlocked.Increment(ref _errors);
                break;
            default:
                throw new UnreachableException($"outcome kind {kind}");
        }
    }

    public MaintenanceProgress Snapshot() => new()
    {
        Listed = Interlocked.Read(ref _listed),
        ListingComplete = _listingComplete,
        Changed = Interlocked.Read(ref _changed),
        Unchanged = Interlocked.Read(ref _unchanged),
        Warnings = Interlocked.Read(ref _warnings),
        Invalid = Interlocked.Read(ref _invalid),
        Errors = Interlocked.Read(ref _errors),
        Bytes = Interlocked.Read(ref _bytes),
        Elapsed = _time.GetElapsedTime(_started),
    };
}
