using Microsoft.Extensions.Logging;
using S3Fs.Core.Content.Reading;
using S3Fs.Core.Content.Uploading;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content;

/// <summary>The upload: snapshot, send (early upload, metadata-only copy, or <see cref="Uploader"/>), commit.</summary>
internal sealed partial class FileContent
{
    public async ValueTask<ObjectInfo> UploadAsync(string key, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        await _uploadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (snapshot, early) = await TakeSnapshotAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var (put, target, metadata) = await SendAsync(snapshot, early, key, attributes, cancellationToken).ConfigureAwait(false);
                var info = new ObjectInfo(key, target.StoredSizeOf(snapshot.Size), put.ETag, _s.Time.GetUtcNow(), metadata);
                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    Commit(snapshot, info, target);
                }
                finally
                {
                    _gate.Release();
                }

                return info;
            }
            finally
            {
                if (early is not null)
                {
                    await early.AbortAsync().ConfigureAwait(false); // nothing in flight may read pinned slots after this
                }

                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    foreach (var staged in snapshot.Staged.Values)
                    {
                        Unpin(staged.Slot);
                    }

                    if (early is not null && ReferenceEquals(_early, early))
                    {
                        // Used or abandoned: either way it is finished now.
                        foreach (var slot in early.PinnedSlots)
                        {
                            Unpin(slot);
                        }

                        _early = null;
                        early.Dispose();
                    }

                    if (_staging is { SlotsInUse: 0 } empty && _pins.Count == 0)
                    {
                        // Everything is in S3: give the staging file's disk space back (a new one comes with the next write).
                        empty.Dispose();
                        _staging = null;
                    }
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        finally
        {
            _uploadGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _uploadGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_early is { } early)
            {
                _early = null;
                await early.AbortAsync().ConfigureAwait(false);
                early.Dispose();
            }

            if (_fill is { } fill)
            {
                DropFill(fill.Index);
            }

            _staging?.Dispose();
            var baseFormat = _base?.Source.Format;
            baseFormat?.Dispose();
            if (_target is { IsCompletedSuccessfully: true } t && !ReferenceEquals(await t.ConfigureAwait(false), baseFormat))
            {
                (await t.ConfigureAwait(false)).Dispose();
            }
        }
        finally
        {
            _gate.Release();
            _uploadGate.Release();
        }
    }

    /// <summary>Whether a user-metadata name is the content layer's own (the envelope's <c>s3cfs-*</c> fields).</summary>
    internal static bool IsContentMetadata(string name) => name.StartsWith(Crypto.Format.MetadataKeys.Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The blocks as they are now, with their staging slots pinned for the upload.</summary>
    private async ValueTask<(ContentSnapshot Snapshot, EarlyUpload? Early)> TakeSnapshotAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushFillAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = new ContentSnapshot(_size, _baseLimit, Volatile.Read(ref _changes), new Dictionary<long, StagedBlock>(_staged), _staging, _base?.Source, _blockSize);
            foreach (var staged in snapshot.Staged.Values)
            {
                Pin(staged.Slot);
            }

            _minSizeSinceSnapshot = _size;
            return (snapshot, _early);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends the snapshot by the cheapest correct route; returns the result, the format and the stored metadata.</summary>
    private async ValueTask<(PutResult Put, BlockFormat Target, ObjectMetadata Metadata)> SendAsync(
        ContentSnapshot snapshot, EarlyUpload? early, string key, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        var target = await EnsureTargetAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
        snapshot.Target = target;
        var metadata = BuildMetadata(key, target, attributes);
        if (early is not null)
        {
            if (!early.Invalid && early.Key == key)
            {
                var finished = await early.FinishAsync(snapshot, cancellationToken).ConfigureAwait(false);
                if (finished is not null)
                {
                    return await ReconcileAsync(early, finished, snapshot, key, attributes, metadata, cancellationToken).ConfigureAwait(false);
                }

                LogEarlyUploadUnused(_s.Logger, key);
            }

            await early.AbortAsync().ConfigureAwait(false);
            snapshot.Target = target;
        }

        var storedSize = target.StoredSizeOf(snapshot.Size);
        if (snapshot.Base is { } b && snapshot.ReusableRuns() is [{ Start: 0 } only] && only.End == snapshot.BlockCount)
        {
            // Nothing changed but the attributes: a server-side copy with the new metadata, no bytes through here.
            var copied = await new ObjectCopier(_s.Store).CopyAsync(b.Version, storedSize, key, metadata, cancellationToken).ConfigureAwait(false);
            return (copied, target, metadata);
        }

        var put = await _uploader.UploadAsync(snapshot, key, metadata, cancellationToken).ConfigureAwait(false);
        return (put, target, metadata);
    }

    /// <summary>
    /// An early upload stored the metadata of its start. Differences only in volatile attributes (the times) are
    /// accepted; any other difference is written now with a server-side copy onto the object itself.
    /// </summary>
    private async ValueTask<(PutResult Put, BlockFormat Target, ObjectMetadata Metadata)> ReconcileAsync(
        EarlyUpload early, PutResult put, ContentSnapshot snapshot, string key, IReadOnlyDictionary<string, string> attributes, ObjectMetadata metadata, CancellationToken cancellationToken)
    {
        var target = snapshot.Target;
        var volatileNames = _s.Options.EarlyUploadVolatileAttributes;
        if (Stable(early.Attributes).SetEquals(Stable(attributes)))
        {
            return (put, target, early.Metadata!);
        }

        var copied = await new ObjectCopier(_s.Store).CopyAsync(new ObjectVersion(key, put.ETag), target.StoredSizeOf(snapshot.Size), key, metadata, cancellationToken).ConfigureAwait(false);
        return (copied, target, metadata);

        HashSet<KeyValuePair<string, string>> Stable(IReadOnlyDictionary<string, string> a) =>
            a.Where(p => !volatileNames.Contains(p.Key) && !IsContentMetadata(p.Key)).ToHashSet();
    }

    /// <summary>
    /// Under the gate, after S3 confirmed: the uploaded version becomes the base. Staged blocks that are unchanged since
    /// the snapshot are now in the base and are released; later writes stay staged; the content stays dirty if anything
    /// changed after the snapshot.
    /// </summary>
    private void Commit(ContentSnapshot snapshot, ObjectInfo stored, BlockFormat target)
    {
        var old = _base;
        Volatile.Write(ref _base, new BaseObject(new BlockSource(_s, stored.Version, target, snapshot.Size), old?.ContentType));
        lock (_targetLock)
        {
            _target = Task.FromResult(target);
        }

        Volatile.Write(ref _sealedTarget, target as SealedBlockFormat);

        if (old is not null && !ReferenceEquals(old.Source.Format, target))
        {
            old.Source.Format.Dispose(); // a plain base converted to encrypted: the plain format holds no key
        }

        foreach (var (index, staged) in snapshot.Staged)
        {
            if (_staged.TryGetValue(index, out var current) && current == staged)
            {
                _staged.Remove(index);
                Retire(staged.Slot);
            }
        }

        Volatile.Write(ref _baseLimit, Math.Min(snapshot.Size, _minSizeSinceSnapshot));
        Volatile.Write(ref _uploadedChanges, snapshot.Changes);
        _local = _fill is not null || _staged.Count > 0 || _size != snapshot.Size || _baseLimit != snapshot.Size;
    }

    /// <summary>The format uploads write: the base's, or a new cipher (new data key and file id) created once.</summary>
    private Task<BlockFormat> EnsureTargetAsync(string? key)
    {
        lock (_targetLock)
        {
            if (_target is null || _target.IsFaulted || _target.IsCanceled)
            {
                _target = CreateTargetAsync(key);
            }

            return _target;
        }
    }

    private async Task<BlockFormat> CreateTargetAsync(string? key)
    {
        try
        {
            var cipher = await _s.Options.Ciphers!.CreateAsync(key, CancellationToken.None).ConfigureAwait(false);
            var format = new SealedBlockFormat(cipher);
            Volatile.Write(ref _sealedTarget, format);
            return format;
        }
        catch (Exception e) when (ContentErrors.FromOpen(key ?? "(new file)", e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The object's user metadata: the given attributes plus the format's envelope, within S3's budget.</summary>
    private ObjectMetadata BuildMetadata(string key, BlockFormat format, IReadOnlyDictionary<string, string> attributes)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            if (!IsContentMetadata(name))
            {
                all[name] = value;
            }
        }

        var attributeBytes = new ObjectMetadata { UserMetadata = all }.UserMetadataSize();
        foreach (var (name, value) in format.Metadata)
        {
            all[name] = value;
        }

        var metadata = new ObjectMetadata { UserMetadata = all, ContentType = _base?.ContentType };
        var total = metadata.UserMetadataSize();
        var limit = _s.Store.Capabilities.MaxUserMetadataBytes;
        if (total > limit)
        {
            throw new FsException(
                FsErrorCode.NoSpace,
                $"'{key}': the object's user metadata would be {total} bytes ({total - attributeBytes} for the encryption envelope, {attributeBytes} for attributes) and S3 allows {limit}; remove extended attributes to make room",
                level: LogLevel.Warning);
        }

        return metadata;
    }

    [LoggerMessage(EventId = 1521, Level = LogLevel.Information, Message = "The early upload of {Key} could not be used; uploading it again from staging")]
    private static partial void LogEarlyUploadUnused(ILogger logger, string key);
}
