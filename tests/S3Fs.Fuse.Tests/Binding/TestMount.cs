using Microsoft.Extensions.Logging;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>
/// Mounts a <see cref="MemoryFileSystem"/> on a fresh directory under /tmp/s3cfs-fusetest-* and guarantees it
/// is unmounted and removed again, even when the test failed or the session misbehaved (fusermount3 -u -z).
/// </summary>
public sealed class TestMount : IAsyncDisposable
{
    /// <summary>Generous bound for anything that should take milliseconds; only ever reached when something hangs.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a requested unmount may take before the test aborts the kernel connection instead.</summary>
    private static readonly TimeSpan UnmountGrace = TimeSpan.FromSeconds(10);

    private TestMount(MemoryFileSystem fs, FuseSession session, string root, ListLogger logger, string device)
    {
        Fs = fs;
        Session = session;
        Root = root;
        Logger = logger;
        Device = device;
    }

    /// <summary>st_dev of the mount: names its connection under /sys/fs/fuse/connections.</summary>
    public string Device { get; }

    public MemoryFileSystem Fs { get; }

    public FuseSession Session { get; }

    public string Root { get; }

    public ListLogger Logger { get; }

    public static async Task<TestMount> StartAsync(MemoryFileSystem? fs = null, Func<FuseMountOptions, FuseMountOptions>? configure = null)
    {
        fs ??= new MemoryFileSystem();
        string root = NewMountPoint();
        var options = new FuseMountOptions { MountPoint = root, FsName = "s3cfs:test-bucket" };
        options = configure?.Invoke(options) ?? options;
        var logger = new ListLogger();
        try
        {
            using var cts = new CancellationTokenSource(HangTimeout);
            var session = await FuseSession.MountAsync(fs, options, logger, cts.Token);
            string device = (await Shell.CheckAsync("stat", "-c", "%d", root)).Trim();
            return new TestMount(fs, session, root, logger, device);
        }
        catch
        {
            await CleanUpAsync(root);
            throw;
        }
    }

    public static string NewMountPoint()
    {
        string root = $"/tmp/s3cfs-fusetest-{Guid.NewGuid():N}";
        Directory.CreateDirectory(root);
        return root;
    }

    public static bool IsMounted(string path) =>
        File.ReadLines("/proc/mounts").Any(line => line.Split(' ') is [_, var mountPoint, ..] && mountPoint == path);

    /// <summary>The /proc/mounts fields (source, mount point, type, options, ...) of the mount at <paramref name="path"/>.</summary>
    public static string[] MountFields(string path) =>
        File.ReadLines("/proc/mounts").Select(line => line.Split(' ')).Single(fields => fields[1] == path);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Unmounts with fusermount3 (as a user would) and waits for the session to finish.</summary>
    public async Task UnmountExternallyAsync()
    {
        await Shell.CheckAsync("fusermount3", "-u", Root);
        await Session.WaitAsync().WaitAsync(HangTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Session.Unmount();
            if (!await FinishesAsync(Session.WaitAsync(), UnmountGrace))
            {
                // Something still blocks inside the mount (a failed test left a syscall waiting on the core). A
                // lazy unmount would keep the connection alive for it, and a thread of this very process stuck on
                // its own FUSE mount can even keep the process from exiting: abort the connection.
                await AbortConnectionAsync();
                await FinishesAsync(Session.WaitAsync(), HangTimeout);
            }
        }
        finally
        {
            await CleanUpAsync(Root);
        }
    }

    /// <summary>Writes to /sys/fs/fuse/connections/N/abort: every pending request fails with ENOTCONN at once.</summary>
    public async Task AbortConnectionAsync()
    {
        const string Connections = "/sys/fs/fuse/connections";
        if (!Directory.Exists(Path.Combine(Connections, Device)))
        {
            await Shell.RunAsync("mount", "-t", "fusectl", "fusectl", Connections);
        }

        await File.WriteAllTextAsync(Path.Combine(Connections, Device, "abort"), "1");
    }

    /// <summary>Whether <paramref name="task"/> ends within <paramref name="timeout"/>, successfully or not.</summary>
    internal static async Task<bool> FinishesAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            return true; // finished, with an error the test itself asserts on if it cares
        }
    }

    private static async Task CleanUpAsync(string root)
    {
        if (IsMounted(root))
        {
            await Shell.RunAsync("fusermount3", "-u", "-z", root);
        }

        try
        {
            Directory.Delete(root);
        }
        catch (IOException)
        {
            // Still busy after a lazy unmount; /tmp is cleaned eventually.
        }
    }
}

/// <summary>Captures log entries so tests can assert on what the adapter reported.</summary>
public sealed class ListLogger : ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, EventId Id, string Message, Exception? Exception)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, EventId Id, string Message, Exception? Exception)> Entries => _entries;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId, formatter(state, exception), exception));
}
