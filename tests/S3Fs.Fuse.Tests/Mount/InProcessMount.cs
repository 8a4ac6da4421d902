using Microsoft.Extensions.Logging;
using S3Fs.Aws.Storage;
using S3Fs.Cli;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Mounting;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;
using S3Fs.Fuse.Tests.Binding;
using S3Fs.Testing;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// A real mount served by this test process: the volume opened from the options file exactly as <c>s3cfs mount</c>
/// opens it (VolumeOpener, FileSystemBuilder: S3FileSystem over the real ContentStore over S3ObjectStore), mounted
/// with <see cref="FuseSession"/> on the volume's mount point. The store the filesystem uses can be wrapped (fault
/// injection). Remounting flushes, tears everything down and builds it again with empty caches. Disposal always
/// leaves the mount point unmounted, aborting the FUSE connection if a failed test left a request hanging.
/// </summary>
public sealed class InProcessMount : IAsyncDisposable
{
    /// <summary>How long an unmount (with its flush of everything dirty) may take before the test aborts the connection.</summary>
    private static readonly TimeSpan UnmountTimeout = TimeSpan.FromSeconds(60);

    private readonly MountVolume _volume;
    private readonly Func<IObjectStore, IObjectStore>? _wrapStore;
    private readonly List<IDisposable> _stores = [];
    private MountedFileSystem? _mounted;
    private FuseSession? _session;

    private InProcessMount(MountVolume volume, Func<IObjectStore, IObjectStore>? wrapStore)
    {
        _volume = volume;
        _wrapStore = wrapStore;
    }

    public string Root => _volume.MountPoint;

    public ListLogger Logger { get; } = new();

    /// <summary>The filesystem being served now.</summary>
    public S3FileSystem FileSystem => _mounted?.FileSystem ?? throw new InvalidOperationException("not mounted");

    /// <summary>The store the served filesystem talks to (the wrapper, if one was given).</summary>
    public IObjectStore Store => _mounted?.Volume.Store ?? throw new InvalidOperationException("not mounted");

    public static async Task<InProcessMount> StartAsync(MountVolume volume, Func<IObjectStore, IObjectStore>? wrapStore = null)
    {
        var mount = new InProcessMount(volume, wrapStore);
        try
        {
            await mount.MountAsync();
            return mount;
        }
        catch
        {
            await mount.DisposeAsync();
            throw;
        }
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Unmounts and waits for the flush of everything dirty; throws what the flush reported.</summary>
    public async Task UnmountAsync()
    {
        var session = _session ?? throw new InvalidOperationException("not mounted");
        try
        {
            session.Unmount();
            await session.WaitAsync().WaitAsync(UnmountTimeout);
        }
        finally
        {
            _session = null;
            await DisposeFileSystemAsync();
        }
    }

    public async Task RemountAsync()
    {
        await UnmountAsync();
        await MountAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            try
            {
                session.Unmount();
            }
            catch (IOException)
            {
                // The abort below handles it.
            }

            if (!await FinishesAsync(session.WaitAsync(), UnmountTimeout))
            {
                await MountCleanup.AbortConnectionAsync(Root);
                await FinishesAsync(session.WaitAsync(), UnmountTimeout);
            }
        }

        await MountCleanup.EnsureUnmountedAsync(Root);
        await DisposeFileSystemAsync();
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    /// <summary>Mounts (again, after <see cref="UnmountAsync"/>): the volume is opened afresh, with empty caches.</summary>
    public async Task MountAsync()
    {
        if (_session is not null)
        {
            throw new InvalidOperationException("already mounted");
        }

        var options = OptionSet.Load(_volume.OptionsFile, []);
        var connection = ConnectionSettings.Bind(options);
        var settings = MountSettings.Bind(options);
        _mounted = await OpenFileSystemAsync(_volume, Logger, _wrapStore, _stores);
        using var timeout = new CancellationTokenSource(TestMount.HangTimeout);
        _session = await FuseSession.MountAsync(
            _mounted.FileSystem,
            new FuseMountOptions
            {
                MountPoint = Root,
                FsName = $"s3cfs:{connection.Bucket}/{connection.Prefix}".TrimEnd('/'),
                AllowOther = settings.AllowOther,
                ReadOnly = settings.ReadOnly,
                DefaultPermissions = true,
            },
            Logger,
            timeout.Token);
    }

    /// <summary>
    /// Opens the volume and builds its filesystem exactly as <c>s3cfs mount</c> does, without mounting it (the caller
    /// disposes it). Stores that get wrapped are added to <paramref name="wrappedStores"/> for the caller to dispose.
    /// </summary>
    internal static async Task<MountedFileSystem> OpenFileSystemAsync(
        MountVolume volume, ILogger logger, Func<IObjectStore, IObjectStore>? wrapStore = null, List<IDisposable>? wrappedStores = null)
    {
        var options = OptionSet.Load(volume.OptionsFile, []);
        var settings = MountSettings.Bind(options);
        var opened = await VolumeOpener.OpenAsync(options, new Services(volume.Env, wrapStore, wrappedStores ?? []), forWriting: !settings.ReadOnly, CancellationToken.None);
        var mounted = FileSystemBuilder.Build(opened, settings, new SingleLoggerFactory(logger));
        await mounted.FileSystem.RecoverAsync(CancellationToken.None);
        return mounted;
    }

    private async Task DisposeFileSystemAsync()
    {
        if (_mounted is { } mounted)
        {
            _mounted = null;
            await mounted.DisposeAsync();
        }
    }

    private static Task<bool> FinishesAsync(Task task, TimeSpan timeout) => TestMount.FinishesAsync(task, timeout);

    /// <summary>S3ObjectStore for the RGW, credentials from the test environment, optionally wrapped.</summary>
    private sealed class Services(RgwEnvironment env, Func<IObjectStore, IObjectStore>? wrap, List<IDisposable> wrapped) : IServiceFactory
    {
        public S3Fs.Cli.Diagnostics.KmsCallCounter KmsCalls { get; } = new();

        public ILoggerFactory Logging { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

        public async ValueTask<IObjectStore> CreateStoreAsync(ConnectionSettings connection, OptionSet options, bool forWriting, CancellationToken cancellationToken)
        {
            var store = new S3ObjectStore(AwsServiceFactory.ToStoreOptions(connection) with
            {
                Credentials = MountVolume.StoreOptions(env).Credentials,
                RequestTimeout = TimeSpan.FromSeconds(60),
            });
            if (forWriting)
            {
                await store.DetectCapabilitiesAsync(connection.Prefix + AwsServiceFactory.ProbeFolder, cancellationToken);
            }

            if (wrap is null)
            {
                return store; // disposed by the volume
            }

            wrapped.Add(store);
            return wrap(store);
        }

        public ValueTask<IMasterKey> CreateKmsKeyAsync(KmsKeySpec spec, EncryptionSettings encryption, ConnectionSettings connection, CancellationToken cancellationToken) =>
            throw new NotSupportedException("the mount tests use local master keys");
    }

    /// <summary>Routes every category to one logger, so tests can assert on what the core and the adapter logged.</summary>
    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
