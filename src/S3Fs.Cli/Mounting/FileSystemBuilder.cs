using Microsoft.Extensions.Logging;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;

namespace S3Fs.Cli.Mounting;

/// <summary>An open volume's content layer and filesystem, built from the options; disposed in reverse order.</summary>
internal sealed class MountedFileSystem : IAsyncDisposable
{
    public required OpenVolume Volume { get; init; }

    public required ContentStore Content { get; init; }

    public required S3FileSystem FileSystem { get; init; }

    public async ValueTask DisposeAsync()
    {
        await FileSystem.DisposeAsync().ConfigureAwait(false);
        await Content.DisposeAsync().ConfigureAwait(false);
        await Volume.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Composes the core over an open volume: content options from the mount settings, then the filesystem.</summary>
internal static class FileSystemBuilder
{
    public static MountedFileSystem Build(OpenVolume volume, MountSettings settings, ILoggerFactory logging)
    {
        var content = new ContentStore(
            volume.Store,
            ContentOptionsFor(volume, settings),
            logging.CreateLogger("S3Fs.Content"));
        var fs = new S3FileSystem(
            volume.Store,
            content,
            new FileSystemOptions
            {
                Prefix = volume.Prefix,
                Uid = settings.Uid,
                Gid = settings.Gid,
                FileMode = settings.FileMode ?? (Convert.ToUInt32("666", 8) & ~settings.Umask),
                DirectoryMode = settings.DirMode ?? (Convert.ToUInt32("777", 8) & ~settings.Umask),
                ReadOnly = settings.ReadOnly,
                AttributesFromListings = settings.AttributesFromListings,
                AttributeIndex = settings.AttributeIndex,
                RandomReadFillMaxSize = settings.RandomReadFill ?? new FileSystemOptions().RandomReadFillMaxSize,
            },
            logging.CreateLogger("S3Fs.FileSystem"));
        return new MountedFileSystem { Volume = volume, Content = content, FileSystem = fs };
    }

    public static ContentOptions ContentOptionsFor(OpenVolume volume, MountSettings settings)
    {
        var defaults = new ContentOptions();
        return defaults with
        {
            Ciphers = volume.Ciphers,
            Encrypt = volume.Encrypt,
            BlockSize = volume.BlockSize,
            CacheSize = settings.CacheSize ?? defaults.CacheSize,
            DiskCacheDirectory = settings.CacheDir,
            DiskCacheSize = settings.CacheDirSize ?? defaults.DiskCacheSize,
        };
    }
}
