using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Core.Maintenance;

/// <summary>What <see cref="Rekeyer"/> rotates.</summary>
public sealed record RekeyOptions
{
    /// <summary>The volume's keys: objects whose data key another configured key wrapped are re-wrapped under the primary. Null: no client-side rotation.</summary>
    public FileCipherFactory? Ciphers { get; init; }

    /// <summary>SSE-C keys: objects stored under an old customer key get the current one. Null: no SSE-C rotation.</summary>
    public CustomerKeyRotation? CustomerKeys { get; init; }

    /// <summary>Say what would change (after checking that a configured key opens it) and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Part sizes and buffer limits when an object must be streamed because the server cannot copy it.</summary>
    public StreamingOptions Streaming { get; init; } = new();
}

/// <summary>
/// <c>s3cfs rekey</c> for one object: key rotation without re-uploading data. The data key is unwrapped by the key
/// that wrapped it and wrapped again by the primary (<see cref="FileCipherFactory.RewrapAsync"/>; same body, file id
/// and block size, so the ciphertext stays valid), and the object is replaced by a server-side copy onto itself
/// with the new envelope (metadata REPLACE: every other user-metadata field and the content type are kept). The same
/// copy moves an SSE-C object from an old customer key to the current one. The copy is pinned to the ETag read
/// (<c>x-amz-copy-source-if-match</c>, or on servers that ignore it a HEAD just before), so an object changed by
/// someone else meanwhile is reported and left alone. Objects already under the current keys are skipped, which
/// makes a second run a no-op. Large objects are copied in parts by the store. Where the server cannot copy an
/// object (no UploadPartCopy, or an SSE-C re-key on Ceph RGW) its bytes are streamed through this process instead,
/// unchanged (<see cref="StreamingRewriter"/>).
/// </summary>
public sealed class Rekeyer : IMaintenanceTask, IDisposable
{
    private readonly IObjectStore _store;
    private readonly RekeyOptions _options;
    private readonly CustomerKeyFinder? _customerKeys;
    private readonly SemaphoreSlim _partBuffers;
    private readonly StreamingRewriter _rewriter;

    public Rekeyer(IObjectStore store, RekeyOptions options)
    {
        _store = store;
        _options = options;
        _customerKeys = options.CustomerKeys is { } k ? new CustomerKeyFinder(store, k) : null;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Streaming.MaxPartBuffers, 1);
        _partBuffers = new SemaphoreSlim(options.Streaming.MaxPartBuffers, options.Streaming.MaxPartBuffers);
        _rewriter = new StreamingRewriter(store, options.Streaming, _partBuffers);
    }

    public void Dispose() => _partBuffers.Dispose();

    public ValueTask<ObjectOutcome> ProcessAsync(ListEntry entry, string path, IByteCounter bytes, CancellationToken cancellationToken)
        => ProcessKeyAsync(entry.Key, path, bytes, cancellationToken);

    /// <summary>
    /// Re-keys one object by key. Besides the listed files, the command passes the volume descriptor
    /// (<c>.s3cfs/volume.json</c>) here during an SSE-C rotation: it is stored under the customer key too, and a
    /// volume whose descriptor only an old key opens could not be mounted once that key is dropped.
    /// </summary>
    public async ValueTask<ObjectOutcome> ProcessKeyAsync(string objectKey, string path, IByteCounter bytes, CancellationToken cancellationToken)
    {
        ObjectOutcome Outcome(OutcomeKind kind, string detail) => new(objectKey, path, kind, detail);

        ObjectInfo info;
        CustomerKey? sseFrom = null;
        if (_customerKeys is null)
        {
            info = await _store.HeadAsync(new HeadRequest(objectKey), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var (found, key, refusal) = await _customerKeys.HeadAsync(objectKey, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                return Outcome(OutcomeKind.Invalid, $"no configured SSE-C key opens it (tried {_customerKeys.Describe()}; the server said: {refusal?.Detail}); add its key to sse_c_old_keys");
            }

            info = found;
            sseFrom = ReferenceEquals(key, _customerKeys.Current) ? null : key;
        }

        var changes = new List<string>(2);
        var metadata = info.Metadata;
        var plain = !EnvelopeCodec.HasEnvelope(metadata.UserMetadata);
        if (_options.Ciphers is { } ciphers && !plain && !MaintenanceScope.IsInternal(path))
        {
            var (rewrapped, problem) = await RewrapAsync(ciphers, info, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem with { Path = path };
            }

            if (rewrapped is { } change)
            {
                changes.Add(change.Description);
                metadata = change.Metadata ?? metadata;
            }
        }

        if (sseFrom is not null)
        {
            changes.Add($"SSE-C key md5:{sseFrom.KeyMd5Base64} -> md5:{_customerKeys!.Current.KeyMd5Base64}");
        }

        if (changes.Count == 0)
        {
            return Outcome(OutcomeKind.Unchanged, plain && _options.Ciphers is not null
                ? "plain object (not encrypted; 's3cfs migrate' encrypts it); left alone"
                : "already under the current key");
        }

        var description = string.Join("; ", changes);
        if (_options.DryRun)
        {
            return Outcome(OutcomeKind.Changed, $"would re-key: {description}");
        }

        if (EnvelopeMetadata.CheckBudget(metadata, _store.Capabilities) is { } tooBig)
        {
            return Outcome(OutcomeKind.Error, $"{tooBig}; left under its old key");
        }

        try
        {
            await CopyOntoItselfAsync(info, metadata, sseFrom, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.PreconditionFailed)
        {
            return Outcome(OutcomeKind.Error, "changed since it was read (written by someone else meanwhile), so it was not overwritten; run rekey again to re-key the new version");
        }

        bytes.Add(info.Size);
        return Outcome(OutcomeKind.Changed, $"re-keyed: {description}");
    }

    /// <summary>
    /// The envelope change for an encrypted object: null change when it is already under the primary; a problem
    /// outcome when its envelope is malformed, its key is not configured, or it does not authenticate. In a dry run
    /// the object is opened (unwrap and commitment checked) but nothing is wrapped, so Metadata stays null.
    /// </summary>
    private async ValueTask<((string Description, ObjectMetadata? Metadata)? Change, ObjectOutcome? Problem)> RewrapAsync(FileCipherFactory ciphers, ObjectInfo info, CancellationToken cancellationToken)
    {
        ObjectOutcome Problem(OutcomeKind kind, string detail) => new(info.Key, string.Empty, kind, detail);

        ObjectEnvelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(info.Metadata.UserMetadata);
        }
        catch (EnvelopeFormatException e)
        {
            return (null, Problem(OutcomeKind.Invalid, $"malformed envelope: {e.Message} Left alone."));
        }

        if (ciphers.IsWrappedByPrimary(envelope))
        {
            return (null, null);
        }

        var from = EnvelopeMetadata.KeyName(envelope.Provider, envelope.KeyId);
        if (!ciphers.HasKeyFor(envelope))
        {
            return (null, Problem(OutcomeKind.Invalid, $"encrypted with key {from}, which is not configured; add that key to old_keys and run rekey again"));
        }

        var primary = ciphers.PrimaryKey;
        var description = $"{from} -> {EnvelopeMetadata.KeyName(primary.Provider, primary.KeyId)}";
        try
        {
            if (_options.DryRun)
            {
                using var cipher = await ciphers.OpenAsync(info.Metadata.UserMetadata, info.Key, cancellationToken).ConfigureAwait(false);
                return ((description, null), null);
            }

            var rewrapped = await ciphers.RewrapAsync(envelope, info.Key, cancellationToken).ConfigureAwait(false);
            return ((description, EnvelopeMetadata.With(info.Metadata, rewrapped)), null);
        }
        catch (IntegrityException e)
        {
            return (null, Problem(OutcomeKind.Invalid, $"{e.Message} Left alone."));
        }
        catch (KeyUnavailableException e)
        {
            return (null, Problem(OutcomeKind.Error, $"key {from} could not be used: {e.Message}"));
        }
    }

    /// <summary>
    /// CopyObject onto itself with the new metadata, pinned to the ETag read. A server that refuses the copy for
    /// this source (NotSupported: no UploadPartCopy for a large source, or an SSE-C re-key on Ceph RGW) gets the
    /// bytes streamed through this process instead, read with the old SSE-C key and written as they are (ciphertext
    /// stays ciphertext), conditional on the same ETag.
    /// </summary>
    private async ValueTask CopyOntoItselfAsync(ObjectInfo info, ObjectMetadata metadata, CustomerKey? sseFrom, CancellationToken cancellationToken)
    {
        try
        {
            await _store.CopyAsync(
                new CopyRequest(info.Key, info.Key)
                {
                    ReplaceMetadata = metadata,
                    SourceIfMatch = info.ETag,
                    SourceCustomerKey = sseFrom,
                    SourceSize = info.Size,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotSupported)
        {
            await _rewriter.RewriteAsync(info, sseFrom, CopyTransform.Instance, metadata, NullByteCounter.Instance, cancellationToken).ConfigureAwait(false);
        }
    }
}
