using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace S3Fs.Fuse;

/// <summary>
/// Bounds and tracks the requests handed to the core: a semaphore caps how many may be unanswered at once
/// (its wait happens on libfuse worker threads, never on the thread pool), a table maps native request
/// pointers to <see cref="FuseRequest"/>s so kernel interrupts and teardown can cancel them, and a counter
/// lets teardown wait until every request has been answered before the native session is freed.
/// </summary>
internal sealed class RequestTracker : IDisposable
{
    private readonly ConcurrentDictionary<nint, FuseRequest> _inFlight = new();
    private readonly SemaphoreSlim _slots;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private int _count;
    private volatile bool _draining;

    public RequestTracker(int maxInFlight, ILogger logger)
    {
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _logger = logger;
    }

    /// <summary>Requests currently handed to the core and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _count);

    /// <summary>Takes a slot (waiting for one if all are taken) and registers the request.</summary>
    public FuseRequest Begin(nint handle, Interop.Shim.Opcode opcode, long inode)
    {
        // Blocking is allowed here and only here: this runs on a libfuse worker, a native thread outside the
        // pool, and it is the back-pressure that stops the kernel from queueing unbounded work on the core.
        Debug.Assert(!Thread.CurrentThread.IsThreadPoolThread, "Begin must only run on libfuse worker threads");
        _slots.Wait();
        Interlocked.Increment(ref _count);
        var request = new FuseRequest(this, handle, opcode, inode);
        _inFlight[handle] = request;
        return request;
    }

    /// <summary>
    /// libfuse reported a kernel INTERRUPT for <paramref name="handle"/>: cancel the request if it is still running
    /// after <see cref="InterruptGrace"/>.
    /// </summary>
    public void Interrupt(nint handle)
    {
        if (_inFlight.TryGetValue(handle, out var request))
        {
            Log.RequestInterrupted(_logger, request.Opcode, request.Inode);
            _ = CancelAfterGraceAsync(request);
        }
    }

    /// <summary>
    /// How long an interrupted request may still finish normally. The kernel interrupts a request whenever its caller
    /// receives a signal it handles (SIGCHLD when a child exits, SIGWINCH, timers); local filesystems finish such calls,
    /// and programs do not expect open, stat, mkdir or close to fail with EINTR (a close so cancelled would even
    /// report an upload as failed). Requests take milliseconds to a second; one stuck on S3 still lets a killed caller
    /// go after this (the kernel waits for the answer to a request already sent, even for SIGKILL).
    /// </summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(5);

    /// <summary>Cancels the request unless it was answered meanwhile (Cancel is a no-op once it was).</summary>
    private static async Task CancelAfterGraceAsync(FuseRequest request)
    {
        await Task.Delay(InterruptGrace).ConfigureAwait(false);
        request.Cancel();
    }

    /// <summary>The session ended: nobody can receive these answers any more, so stop the work behind them.</summary>
    public void CancelAll()
    {
        foreach (var request in _inFlight.Values)
        {
            request.Cancel();
        }
    }

    /// <summary>Completes when no request is in flight, or false after <paramref name="timeout"/>.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        _draining = true;
        if (Volatile.Read(ref _count) == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Detach(FuseRequest request) => _inFlight.TryRemove(request.Handle, out _);

    public void Complete()
    {
        _slots.Release();
        if (Interlocked.Decrement(ref _count) == 0 && _draining)
        {
            _drained.TrySetResult();
        }
    }

    public void ReportDoubleReply(FuseRequest request) => Log.DoubleReply(_logger, request.Opcode, request.Inode);

    public void Dispose() => _slots.Dispose();
}
