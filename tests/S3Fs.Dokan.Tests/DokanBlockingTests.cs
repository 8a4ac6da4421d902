namespace S3Fs.Dokan.Tests;

public class DokanBlockingTests
{
    [Fact]
    public void Run_CompletedSynchronously_ReturnsTheValueWithoutExtending()
    {
        var extender = new CountingExtender(TimeSpan.FromMilliseconds(1));
        Assert.Equal(7, DokanBlocking.Run(() => ValueTask.FromResult(7), extender));
        Assert.Equal(0, extender.Extensions);
    }

    [Fact]
    public void Run_SlowOperation_ExtendsTheTimeoutWhileItRuns()
    {
        // The operation ends only once the request has been extended three times, so the test depends on the
        // extender being called while the operation runs, not on how fast this machine is.
        var extender = new CountingExtender(TimeSpan.FromMilliseconds(10), completeAfter: 3);

        var result = DokanBlocking.Run(
            async () =>
            {
                await extender.Reached.WaitAsync(TimeSpan.FromMinutes(1));
                return "done";
            },
            extender);

        Assert.Equal("done", result);
        Assert.True(extender.Extensions >= 3, $"extended {extender.Extensions} times");
        var afterReturn = extender.Extensions;
        Thread.Sleep(50);
        Assert.Equal(afterReturn, extender.Extensions); // no extension once the operation has ended
    }

    [Fact]
    public void Run_OperationThatFailsLater_ThrowsItsOwnExceptionNotAnAggregate()
    {
        var extender = new CountingExtender(TimeSpan.FromMilliseconds(10));

        var e = Assert.Throws<InvalidDataException>(() => DokanBlocking.Run<int>(
            async () =>
            {
                await Task.Delay(50);
                throw new InvalidDataException("late failure");
            },
            extender));

        Assert.Equal("late failure", e.Message);
    }

    [Fact]
    public void Run_WithoutExtender_WaitsForCompletion()
    {
        var ran = false;
        DokanBlocking.Run(
            async () =>
            {
                await Task.Delay(30);
                ran = true;
            });
        Assert.True(ran);
    }

    [Fact]
    public void Run_CancelledOperation_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        Assert.ThrowsAny<OperationCanceledException>(() => DokanBlocking.Run(
            async () => await Task.Delay(TimeSpan.FromSeconds(30), cts.Token),
            new CountingExtender(TimeSpan.FromMilliseconds(5))));
    }

    private sealed class CountingExtender(TimeSpan interval, int completeAfter = int.MaxValue) : ITimeoutExtender
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _extensions;

        public int Extensions => Volatile.Read(ref _extensions);

        public Task Reached => _reached.Task;

        public TimeSpan Interval { get; } = interval;

        public void Extend()
        {
            if (Interlocked.Increment(ref _extensions) >= completeAfter)
            {
                _reached.TrySetResult();
            }
        }
    }
}
