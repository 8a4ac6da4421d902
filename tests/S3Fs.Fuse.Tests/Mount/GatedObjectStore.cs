using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// Holds the requests of chosen operations until <see cref="Release"/> and reports when the first one is waiting, so a
/// test can act (send a signal to the caller) at a moment it knows a request is inside S3, however fast the machine
/// is. A held request still honours its cancellation token, as a slow S3 request would.
/// </summary>
internal sealed class GatedObjectStore(IObjectStore inner) : DelegatingObjectStore(inner)
{
    private readonly Lock _lock = new();
    private HashSet<ObjectStoreOperation> _held = [];
    private TaskCompletionSource _entered = NewSignal();
    private TaskCompletionSource _released = NewSignal();

    /// <summary>Completes when a request of a held operation has arrived (since the last <see cref="Hold"/>).</summary>
    public Task Entered
    {
        get
        {
            lock (_lock)
            {
                return _entered.Task;
            }
        }
    }

    /// <summary>From now on, requests of <paramref name="operations"/> wait until <see cref="Release"/>.</summary>
    public void Hold(params ObjectStoreOperation[] operations)
    {
        lock (_lock)
        {
            _held = [.. operations];
            _entered = NewSignal();
            _released = NewSignal();
        }
    }

    /// <summary>Lets every held request go on, and holds nothing more.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _held = [];
            _released.TrySetResult();
        }
    }

    public override async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        await PassAsync(ObjectStoreOperation.Head, cancellationToken);
        return await Inner.HeadAsync(request, cancellationToken);
    }

    public override async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await PassAsync(ObjectStoreOperation.GetRange, cancellationToken);
        return await Inner.GetRangeAsync(request, destination, cancellationToken);
    }

    public override async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        await PassAsync(ObjectStoreOperation.Put, cancellationToken);
        return await Inner.PutAsync(request, cancellationToken);
    }

    public override async ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        await PassAsync(ObjectStoreOperation.Copy, cancellationToken);
        return await Inner.CopyAsync(request, cancellationToken);
    }

    public override async ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
    {
        await PassAsync(ObjectStoreOperation.List, cancellationToken);
        return await Inner.ListAsync(request, cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async ValueTask PassAsync(ObjectStoreOperation operation, CancellationToken cancellationToken)
    {
        Task released;
        lock (_lock)
        {
            if (!_held.Contains(operation))
            {
                return;
            }

            _entered.TrySetResult();
            released = _released.Task;
        }

        await released.WaitAsync(cancellationToken);
    }
}
