using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>
/// A decorator that makes chosen requests fail, slow down or come back short, so callers' error paths can be tested
/// without a network: fail the next N calls of an operation with a given kind (throttling is just
/// <see cref="ObjectStoreErrorKind.Throttled"/>), add latency (through a <see cref="TimeProvider"/>, so a fake clock
/// can drive it), truncate GET results, fail a given part number of multipart uploads, or fail
/// CompleteMultipartUpload. Faults are consumed in the order they were scripted. Thread-safe.
/// </summary>
public sealed class FaultInjectingObjectStore : IObjectStore
{
    private readonly IObjectStore _inner;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<Fault> _faults = [];
    private readonly Dictionary<ObjectStoreOperation, TimeSpan> _latency = [];

    public FaultInjectingObjectStore(IObjectStore inner, TimeProvider? timeProvider = null)
    {
        _inner = inner;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Bucket => _inner.Bucket;

    public ObjectStoreCapabilities Capabilities => _inner.Capabilities;

    public DateTimeOffset? LatestServerDate => _inner.LatestServerDate;

    /// <summary>Faults delivered so far.</summary>
    public int InjectedCount { get; private set; }

    /// <summary>The next <paramref name="times"/> calls of <paramref name="operation"/> fail with <paramref name="kind"/>.</summary>
    public FaultInjectingObjectStore FailNext(ObjectStoreOperation operation, int times, ObjectStoreErrorKind kind, string? message = null)
        => Add(new Fault(operation, times, kind, message ?? $"injected {kind} fault", partNumber: null, truncateTo: null));

    /// <summary>The next <paramref name="times"/> calls of <paramref name="operation"/> are throttled (503 SlowDown).</summary>
    public FaultInjectingObjectStore Throttle(ObjectStoreOperation operation, int times)
        => FailNext(operation, times, ObjectStoreErrorKind.Throttled, "injected 503 SlowDown");

    /// <summary>Every call of <paramref name="operation"/> waits <paramref name="latency"/> first (zero removes it).</summary>
    public FaultInjectingObjectStore AddLatency(ObjectStoreOperation operation, TimeSpan latency)
    {
        lock (_lock)
        {
            _latency[operation] = latency;
        }

        return this;
    }

    /// <summary>The next <paramref name="times"/> GETs deliver at most <paramref name="bytes"/> bytes and report only
    /// those (a broken store's short read, which callers must detect against ObjectSize).</summary>
    public FaultInjectingObjectStore TruncateGets(int times, int bytes)
        => Add(new Fault(ObjectStoreOperation.GetRange, times, null, null, partNumber: null, truncateTo: bytes));

    /// <summary>Uploading part <paramref name="partNumber"/> of any multipart upload fails the next <paramref name="times"/> times.</summary>
    public FaultInjectingObjectStore FailPart(int partNumber, ObjectStoreErrorKind kind, int times = 1)
        => Add(new Fault(ObjectStoreOperation.UploadPart, times, kind, $"injected {kind} fault on part {partNumber}", partNumber, truncateTo: null));

    /// <summary>Drops every scripted fault not delivered yet (the store "heals"); latency settings stay.</summary>
    public void ClearFaults()
    {
        lock (_lock)
        {
            _faults.Clear();
        }
    }

    /// <summary>The next <paramref name="times"/> CompleteMultipartUpload calls fail with <paramref name="kind"/>.</summary>
    public FaultInjectingObjectStore FailComplete(ObjectStoreErrorKind kind, int times = 1)
        => FailNext(ObjectStoreOperation.CompleteMultipartUpload, times, kind);

    public async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.Head, request.Key, null, cancellationToken).ConfigureAwait(false);
        return await _inner.HeadAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var fault = await BeforeAsync(ObjectStoreOperation.GetRange, request.Key, null, cancellationToken).ConfigureAwait(false);
        var result = await _inner.GetRangeAsync(request, destination, cancellationToken).ConfigureAwait(false);
        return fault?.TruncateTo is { } limit && result.BytesRead > limit ? result with { BytesRead = limit } : result;
    }

    public ValueTask<GetRangeResult> StreamRangeAsync(GetRangeRequest request, RangeChunkHandler chunk, CancellationToken cancellationToken) =>
        PiecewiseBody.StreamAsync(this, request, chunk, cancellationToken);

    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.Put, request.Key, null, cancellationToken).ConfigureAwait(false);
        return await _inner.PutAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.StartMultipartUpload, request.Key, null, cancellationToken).ConfigureAwait(false);
        return new Upload(this, await _inner.StartMultipartUploadAsync(request, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.Copy, request.DestinationKey, null, cancellationToken).ConfigureAwait(false);
        return await _inner.CopyAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.List, request.Prefix, null, cancellationToken).ConfigureAwait(false);
        return await _inner.ListAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.Delete, key, null, cancellationToken).ConfigureAwait(false);
        await _inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        await BeforeAsync(ObjectStoreOperation.DeleteMany, keys.Count > 0 ? keys[0] : null, null, cancellationToken).ConfigureAwait(false);
        return await _inner.DeleteManyAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    private FaultInjectingObjectStore Add(Fault fault)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fault.Remaining);
        lock (_lock)
        {
            _faults.Add(fault);
        }

        return this;
    }

    /// <summary>Applies latency, then throws the next matching error fault or returns a matching non-error one.</summary>
    private async ValueTask<Fault?> BeforeAsync(ObjectStoreOperation operation, string? key, int? partNumber, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan latency;
        Fault? fault;
        lock (_lock)
        {
            latency = _latency.GetValueOrDefault(operation);
            fault = _faults.FirstOrDefault(f => f.Remaining > 0 && f.Operation == operation && (f.PartNumber is null || f.PartNumber == partNumber));
            if (fault is not null)
            {
                fault.Remaining--;
                InjectedCount++;
            }
        }

        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _time, cancellationToken).ConfigureAwait(false);
        }

        if (fault?.Kind is { } kind)
        {
            throw new ObjectStoreException(kind, operation.ToString(), Bucket, key, fault.Message!);
        }

        return fault;
    }

    private sealed class Fault(ObjectStoreOperation operation, int remaining, ObjectStoreErrorKind? kind, string? message, int? partNumber, int? truncateTo)
    {
        public ObjectStoreOperation Operation { get; } = operation;

        public int Remaining { get; set; } = remaining;

        public ObjectStoreErrorKind? Kind { get; } = kind;

        public string? Message { get; } = message;

        public int? PartNumber { get; } = partNumber;

        public int? TruncateTo { get; } = truncateTo;
    }

    /// <summary>Wraps an upload so part, part-copy, complete and abort faults apply to it.</summary>
    private sealed class Upload(FaultInjectingObjectStore owner, IMultipartUpload inner) : IMultipartUpload
    {
        public string Key => inner.Key;

        public string UploadId => inner.UploadId;

        public async ValueTask<UploadedPart> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            await owner.BeforeAsync(ObjectStoreOperation.UploadPart, Key, partNumber, cancellationToken).ConfigureAwait(false);
            return await inner.UploadPartAsync(partNumber, body, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask<UploadedPart> UploadPartCopyAsync(int partNumber, string sourceKey, ByteRange sourceRange, ETag? sourceIfMatch, CancellationToken cancellationToken)
        {
            await owner.BeforeAsync(ObjectStoreOperation.UploadPartCopy, Key, partNumber, cancellationToken).ConfigureAwait(false);
            return await inner.UploadPartCopyAsync(partNumber, sourceKey, sourceRange, sourceIfMatch, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask<PutResult> CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
        {
            await owner.BeforeAsync(ObjectStoreOperation.CompleteMultipartUpload, Key, null, cancellationToken).ConfigureAwait(false);
            return await inner.CompleteAsync(parts, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask AbortAsync(CancellationToken cancellationToken)
        {
            await owner.BeforeAsync(ObjectStoreOperation.AbortMultipartUpload, Key, null, cancellationToken).ConfigureAwait(false);
            await inner.AbortAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
