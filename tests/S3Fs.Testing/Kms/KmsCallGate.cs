namespace S3Fs.Testing.Kms;

/// <summary>
/// Holds incoming calls of one operation until <see cref="Release"/>, so a test can line up concurrent callers
/// deterministically (e.g. prove that many concurrent unwraps make one Decrypt call while it is in flight).
/// </summary>
public sealed class KmsCallGate
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    internal KmsCallGate(string operation)
    {
        Operation = operation;
    }

    public string Operation { get; }

    /// <summary>Calls that have arrived and are (or were) held.</summary>
    public int HeldCalls => Volatile.Read(ref _held);

    /// <summary>Lets every held call, and every later one, proceed.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>
    /// Waits until at least <paramref name="count"/> calls are held; throws <see cref="TimeoutException"/> after 60 s
    /// (the calls come over loopback HTTP: seconds on a loaded machine at worst, so 60 s means they never will).
    /// </summary>
    public async Task WaitForHeldCallsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (HeldCalls < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {HeldCalls} of {count} {Operation} calls arrived.");
            }

            await Task.Delay(10);
        }
    }

    internal Task HoldAsync()
    {
        Interlocked.Increment(ref _held);
        return _released.Task;
    }
}
