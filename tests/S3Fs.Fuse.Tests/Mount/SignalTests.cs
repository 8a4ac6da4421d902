using System.Runtime.InteropServices;
using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// A program that catches a signal (SIGCHLD when a child exits, SIGWINCH, timers) while it waits on the mount makes
/// the kernel send FUSE_INTERRUPT. On a local filesystem open, stat, mkdir and close are not interrupted by caught
/// signals, and programs do not retry them on EINTR. Here S3 is made slow (latency on the store the mount uses),
/// the thread blocked in the system call is sent a caught signal, and the call must still complete normally.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class SignalTests
{
    /// <summary>Long enough that the signal surely arrives while the request waits on S3.</summary>
    private static readonly TimeSpan S3Latency = TimeSpan.FromMilliseconds(800);

    /// <summary>When the signal is sent after the call started.</summary>
    private static readonly TimeSpan SignalDelay = TimeSpan.FromMilliseconds(300);

    private const int SigWinch = 28;

    [Fact]
    public async Task Lstat_CaughtSignalWhileS3IsSlow_CompletesInsteadOfEintr()
    {
        await using var volume = await MountVolume.CreateAsync("signal-lstat");
        FaultInjectingObjectStore? faults = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => faults = new FaultInjectingObjectStore(s));
        await File.WriteAllTextAsync(mount.PathOf("f.txt"), "S3CFS-E2E-MARKER signal");
        await mount.RemountAsync(); // so the lookup below needs a HEAD
        faults!.AddLatency(ObjectStoreOperation.Head, S3Latency).AddLatency(ObjectStoreOperation.List, S3Latency);

        var path = mount.PathOf("f.txt");
        var errno = await WithCaughtSignalAsync(() => Posix.LStat(path).Errno);

        Assert.Equal(0, errno);
    }

    [Fact]
    public async Task MkdirAndClose_CaughtSignalWhileS3IsSlow_CompleteInsteadOfEintr()
    {
        await using var volume = await MountVolume.CreateAsync("signal-mkdir");
        FaultInjectingObjectStore? faults = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => faults = new FaultInjectingObjectStore(s));
        var dir = mount.PathOf("d");
        var file = mount.PathOf("f.txt");
        await File.WriteAllTextAsync(mount.PathOf("warm"), "lookups of the root are cached now");
        faults!.AddLatency(ObjectStoreOperation.Put, S3Latency);

        Assert.Equal(0, await WithCaughtSignalAsync(() => Posix.MkDir(dir, Convert.ToUInt32("755", 8))));
        var (fd, openErrno) = Posix.Open(file, Posix.OWriteOnly | Posix.OCreate | Posix.OExclusive);
        Assert.Equal(0, openErrno);
        Assert.Equal(0, Posix.WriteAll(fd, "S3CFS-E2E-MARKER closed under a signal"u8.ToArray(), 0));
        Assert.Equal(0, await WithCaughtSignalAsync(() => Posix.Close(fd))); // close uploads: the slow part

        faults.AddLatency(ObjectStoreOperation.Put, TimeSpan.Zero);
        await mount.RemountAsync();
        Assert.True(Directory.Exists(dir));
        Assert.Equal("S3CFS-E2E-MARKER closed under a signal", await File.ReadAllTextAsync(file));
    }

    /// <summary>
    /// Runs a blocking call on a thread of its own and, while it waits, sends that thread SIGWINCH, which this process
    /// catches (a handler installed through PosixSignalRegistration, which asks for SA_RESTART). Returns the call's errno.
    /// </summary>
    private static async Task<int> WithCaughtSignalAsync(Func<int> call)
    {
        using var handler = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => context.Cancel = true);
        var thread = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new Thread(() =>
        {
            thread.SetResult(gettid());
            result.SetResult(call());
        });
        worker.Start();
        var tid = await thread.Task;
        await Task.Delay(SignalDelay);
        Assert.Equal(0, tgkill(Environment.ProcessId, tid, SigWinch));
        return await result.Task.WaitAsync(Proc.DefaultTimeout);
    }

    [DllImport("libc.so.6")]
    private static extern int gettid();

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int tgkill(int tgid, int tid, int sig);
}
