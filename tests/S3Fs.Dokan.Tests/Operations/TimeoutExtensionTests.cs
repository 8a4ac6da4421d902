using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using S3Fs.Testing.Storage;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

/// <summary>A slow S3 request keeps its Windows request alive: the operation extends the driver timeout while it waits.</summary>
public class TimeoutExtensionTests
{
    [Fact]
    public async Task ReadFile_SlowStore_ExtendsTheDriverTimeoutWhileWaiting()
    {
        // The GET answers only once the request has been extended three times: the test depends on the extender
        // being called while the read waits on S3, not on how many 25 ms ticks a loaded machine fits into a delay.
        var slow = new InterceptingObjectStore(new InMemoryObjectStore());
        await using var h = new DokanHarness(slow, "mnt/");
        h.WriteAll("\\slow.bin", StoreObjects.Bytes("patience"));
        await h.RemountAsync();
        var extender = new CountingExtender(TimeSpan.FromMilliseconds(25), completeAfter: 3);

        using var open = h.Open("\\slow.bin", ReadAccess, WinNT.FILE_OPEN);
        slow.AfterGet = _ => extender.Reached.WaitAsync(TimeSpan.FromMinutes(1));
        var buffer = new byte[100];
        var status = h.Operations.ReadFile("\\slow.bin", buffer, out var read, 0, new DokanFileInfo { Context = open.Info.Context, TimeoutExtender = extender });

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal("patience", StoreObjects.Text(buffer[..read]));
        Assert.True(extender.Extensions >= 3, $"extended {extender.Extensions} times while the read waited");
    }

    [Fact]
    public async Task GetFileInformation_FastAnswer_NeverExtends()
    {
        await using var h = DokanHarness.InMemory();
        h.WriteAll("\\fast", StoreObjects.Bytes("f"));
        var extender = new CountingExtender(TimeSpan.FromMilliseconds(200));
        using var open = h.OpenExisting("\\fast");

        Assert.Equal(NtStatus.Success, h.Operations.GetFileInformation("\\fast", out _, new DokanFileInfo { Context = open.Info.Context, TimeoutExtender = extender }));
        Assert.Equal(0, extender.Extensions);
    }

    private sealed class CountingExtender(TimeSpan interval, int completeAfter = int.MaxValue) : ITimeoutExtender
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _extensions;

        public int Extensions => Volatile.Read(ref _extensions);

        /// <summary>Completes at the <c>completeAfter</c>-th extension.</summary>
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
