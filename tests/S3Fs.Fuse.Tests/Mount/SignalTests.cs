using System.Runtime.InteropServices;
using S3Fs.Core.Storage;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// A program that catches a signal (SIGCHLD when a child exits, SIGWINCH, timers) while it waits on the mount makes
/// the kernel send FUSE_INTERRUPT. On a local filesystem open, stat, mkdir and close are not interrupted by caught
/// signals, and programs do not retry them on EINTR. Here the store the mount uses holds the request in S3 (a gate,
/// not a delay, so the order of events does not depend on the machine's speed), the thread blocked in the system
/// call is sent a caught signal, the kernel's INTERRUPT reaches the mount, S3 then answers, and the call must
/// complete normally.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class SignalTests
{
    private const int SigWinch = 28;

    /// <summary>FuseSession's log event for a kernel INTERRUPT (Log.RequestInterrupted).</summary>
    private const int InterruptedEventId = 3015;

    /// <summary>How long the kernel's INTERRUPT may take to reach the mount: instant, or seconds on a loaded machine.</summary>
    private static readonly TimeSpan InterruptWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Lstat_CaughtSignalWhileS3IsSlow_CompletesInsteadOfEintr()
    {
        await using var volume = await MountVolume.CreateAsync("signal-lstat");
        GatedObjectStore? gate = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => gate = new GatedObjectStore(s));
        await File.WriteAllTextAsync(mount.PathOf("f.txt"), "S3CFS-E2E-MARKER signal");
        await mount.RemountAsync(); // so the lookup below needs S3 (a listing or a HEAD)

        var path = mount.PathOf("f.txt");
        var errno = await WithCaughtSignalWhileS3WaitsAsync(mount, gate!, () => Posix.LStat(path).Errno, ObjectStoreOperation.Head, ObjectStoreOperation.List);

        Assert.Equal(0, errno);
    }

    [Fact]
    public async Task MkdirAndClose_CaughtSignalWhileS3IsSlow_CompleteInsteadOfEintr()
    {
        await using var volume = await MountVolume.CreateAsync("signal-mkdir");
        GatedObjectStore? gate = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => gate = new GatedObjectStore(s));
        var dir = mount.PathOf("d");
        var file = mount.PathOf("f.txt");
        await File.WriteAllTextAsync(mount.PathOf("warm"), "lookups of the root are cached now");

        Assert.Equal(0, await WithCaughtSignalWhileS3WaitsAsync(mount, gate!, () => Posix.MkDir(dir, Convert.ToUInt32("755", 8)), ObjectStoreOperation.Put));
        var (fd, openErrno) = Posix.Open(file, Posix.OWriteOnly | Posix.OCreate | Posix.OExclusive);
        Assert.Equal(0, openErrno);
        Assert.Equal(0, Posix.WriteAll(fd, "S3CFS-E2E-MARKER closed under a signal"u8.ToArray(), 0));
        Assert.Equal(0, await WithCaughtSignalWhileS3WaitsAsync(mount, gate!, () => Posix.Close(fd), ObjectStoreOperation.Put)); // close uploads

        await mount.RemountAsync();
        Assert.True(Directory.Exists(dir));
        Assert.Equal("S3CFS-E2E-MARKER closed under a signal", await File.ReadAllTextAsync(file));
    }

    /// <summary>
    /// Runs a blocking call on a thread of its own with requests of <paramref name="held"/> held in S3. Once one is
    /// held (the call is waiting on the mount), sends that thread SIGWINCH, which this process catches (a handler
    /// installed through PosixSignalRegistration, which asks for SA_RESTART); once the kernel's INTERRUPT has reached
    /// the mount, lets S3 answer. Returns the call's errno.
    /// </summary>
    private static async Task<int> WithCaughtSignalWhileS3WaitsAsync(InProcessMount mount, GatedObjectStore gate, Func<int> call, params ObjectStoreOperation[] held)
    {
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => context.Cancel = true);
        var interruptsBefore = Interrupts(mount);
        var thread = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.Hold(held);
        try
        {
            var worker = new Thread(() =>
            {
                thread.SetResult(gettid());
                result.SetResult(call());
            });
            worker.Start();
            var tid = await thread.Task;
            await gate.Entered.WaitAsync(Proc.DefaultTimeout);
            Assert.Equal(0, tgkill(Environment.ProcessId, tid, SigWinch));
            var deadline = DateTime.UtcNow + InterruptWait;
            while (Interrupts(mount) == interruptsBefore)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no FUSE INTERRUPT reached the mount within {InterruptWait.TotalSeconds:0} s of the signal");
                await Task.Delay(10);
            }
        }
        finally
        {
            gate.Release();
        }

        return await result.Task.WaitAsync(Proc.DefaultTimeout);
    }

    private static int Interrupts(InProcessMount mount) => mount.Logger.Entries.Count(e => e.Id.Id == InterruptedEventId);

    [DllImport("libc.so.6")]
    private static extern int gettid();

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int tgkill(int tgid, int tid, int sig);
}
