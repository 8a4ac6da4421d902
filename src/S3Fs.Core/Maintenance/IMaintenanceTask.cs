using S3Fs.Core.Storage;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// What a maintenance command does to one object (<see cref="Rekeyer"/>, <see cref="Verifier"/>,
/// <see cref="Migrator"/>); <see cref="MaintenanceRunner"/> does the listing, concurrency, progress and summary.
/// </summary>
public interface IMaintenanceTask
{
    /// <summary>
    /// Handles one listed object and says what became of it. Every write a task makes replaces the object in one
    /// atomic request (PUT, CopyObject, CompleteMultipartUpload), so an object is either done or untouched, never
    /// half-rewritten. Cancellation throws <see cref="OperationCanceledException"/> after aborting anything
    /// started; store failures may propagate as <see cref="ObjectStoreException"/> (the runner reports them).
    /// </summary>
    ValueTask<ObjectOutcome> ProcessAsync(ListEntry entry, string path, IByteCounter bytes, CancellationToken cancellationToken);
}
