using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// <c>s3cfs migrate</c> for one object: encrypts a plain object in place, under the same name, in the volume's
/// format (a fresh data key and file id wrapped by the primary key, the volume's block size). Every user-metadata
/// field the object had (POSIX attributes, xattrs, other tools' fields) and its content type are kept as they were;
/// attributes it lacked stay absent. Objects that already carry an envelope are skipped (so a second run is a
/// no-op), whatever their state: verify judges those. The bytes are streamed (see <see cref="StreamingRewriter"/>)
/// and the write only replaces the version that was read.
/// </summary>
public sealed class Migrator : IMaintenanceTask, IDisposable
{
    private readonly IObjectStore _store;
    private readonly FileCipherFactory _ciphers;
    private readonly MigrateOptions _options;
    private readonly SemaphoreSlim _partBuffers;
    private readonly StreamingRewriter _rewriter;

    public Migrator(IObjectStore store, FileCipherFactory ciphers, MigrateOptions? options = null)
    {
        _store = store;
        _ciphers = ciphers;
        _options = options ?? new MigrateOptions();
        var streaming = _options.Streaming;
        ArgumentOutOfRangeException.ThrowIfLessThan(streaming.MaxPartBuffers, 1);
        _partBuffers = new SemaphoreSlim(streaming.MaxPartBuffers, streaming.MaxPartBuffers);
        _rewriter = new StreamingRewriter(store, streaming, _partBuffers);
    }

    public async ValueTask<ObjectOutcome> ProcessAsync(ListEntry entry, string path, IByteCounter bytes, CancellationToken cancellationToken)
    {
        ObjectOutcome Outcome(OutcomeKind kind, string detail) => new(entry.Key, path, kind, detail);

        var info = await _store.HeadAsync(new HeadRequest(entry.Key), cancellationToken).ConfigureAwait(false);
        if (EnvelopeCodec.HasEnvelope(info.Metadata.UserMetadata))
        {
            return Outcome(OutcomeKind.Unchanged, "already encrypted");
        }

        using var cipher = await _ciphers.CreateAsync(info.Key, cancellationToken).ConfigureAwait(false);
        var metadata = EnvelopeMetadata.With(info.Metadata, cipher.Metadata);
        if (EnvelopeMetadata.CheckBudget(metadata, _store.Capabilities) is { } tooBig)
        {
            return Outcome(OutcomeKind.Error, $"{tooBig}; left as plaintext");
        }

        if (_options.DryRun)
        {
            return Outcome(OutcomeKind.Changed, $"would encrypt: {info.Size} bytes");
        }

        long stored;
        try
        {
            stored = await _rewriter.RewriteAsync(info, null, new SealTransform(cipher), metadata, bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.PreconditionFailed)
        {
            return Outcome(OutcomeKind.Error, "changed while it was being encrypted (written by someone else meanwhile), so it was left as it was; run migrate again");
        }

        return Outcome(OutcomeKind.Changed, $"encrypted: {info.Size} bytes, {stored} stored");
    }

    public void Dispose() => _partBuffers.Dispose();
}
