namespace S3Fs.Dokan;

/// <summary>Keeps Dokan from giving up on a request that is still running (see <see cref="DokanBlocking"/>).</summary>
public interface ITimeoutExtender
{
    /// <summary>How long a request may run before <see cref="Extend"/> is called, and then between calls.</summary>
    TimeSpan Interval { get; }

    /// <summary>Gives the current request another full driver timeout. Must not throw.</summary>
    void Extend();
}

/// <summary>
/// The one place the adapter waits synchronously for asynchronous work.
/// <para>
/// Why blocking is safe here: Dokan calls every operation synchronously on its own worker threads (Dokan 2 runs the
/// callbacks on a native Win32 thread pool of its own, and <c>SingleThread</c> replaced the old ThreadCount), and the
/// callback must return the answer. Those threads are not .NET thread-pool threads, so parking one does not starve
/// the continuations the core's tasks need: those run on the .NET thread pool, which nothing here blocks. Nothing the
/// core awaits ever needs a Dokan thread (the core never touches the mounted drive), so there is no deadlock cycle.
/// Use it only from code that runs on a Dokan callback thread (the trampolines, and tests standing in for them);
/// never from thread-pool code. Concurrency is bounded in the core (per-inode gates, the object store's request
/// limit), not here.
/// </para>
/// <para>
/// Slow S3 calls: each Dokan request has a driver timeout. While an operation runs longer than the extender's
/// interval, the waiting thread wakes at that interval and extends the request (DokanResetTimeout), so a large
/// upload on close does not make the driver give up on a request that is making progress.
/// </para>
/// </summary>
public static class DokanBlocking
{
#pragma warning disable VSTHRD002 // Synchronous wait: the documented exception above; the only one in the code base.
    public static T Run<T>(Func<ValueTask<T>> operation, ITimeoutExtender? extender = null)
    {
        var pending = operation();
        if (pending.IsCompletedSuccessfully)
        {
            return pending.Result;
        }

        var task = pending.AsTask();
        if (extender is not null)
        {
            WaitExtending(task, extender);
        }

        return task.GetAwaiter().GetResult();
    }

    public static void Run(Func<ValueTask> operation, ITimeoutExtender? extender = null)
    {
        var pending = operation();
        if (pending.IsCompletedSuccessfully)
        {
            return;
        }

        var task = pending.AsTask();
        if (extender is not null)
        {
            WaitExtending(task, extender);
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Waits until <paramref name="task"/> ends (however it ends), extending the request at every interval.</summary>
    private static void WaitExtending(Task task, ITimeoutExtender extender)
    {
        while (true)
        {
            try
            {
                if (task.Wait(extender.Interval))
                {
                    return;
                }
            }
            catch (AggregateException)
            {
                return; // the task ended with an error: the caller observes it through GetResult
            }

            extender.Extend();
        }
    }
#pragma warning restore VSTHRD002
}
