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

    private TestMount(MemoryFileSystem fs, FuseSession session, string root, ListLogger logger)
    {
        Fs = fs;
        Session = session;
        Root = root;
        Logger = logger;
    }

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
            return new TestMount(fs, session, root, logger);
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
            await Session.WaitAsync().WaitAsync(HangTimeout);
        }
        catch (Exception)
        {
            // Tests that care about the outcome of teardown await WaitAsync themselves.
        }
        finally
        {
            await CleanUpAsync(Root);
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
