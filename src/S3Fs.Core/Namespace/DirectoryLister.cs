using System.Text;
using Microsoft.Extensions.Logging;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Namespace;

/// <summary>
/// Lists one directory from S3 (ListObjectsV2 with delimiter '/', all pages) and turns keys into children:
/// common prefixes and <c>name/</c> markers are directories, s3fs-fuse's legacy <c>name_$folder$</c> objects too,
/// everything else is a file. Sizes come from the listing (no HEAD per entry). Keys that cannot be a POSIX name
/// (empty, '.', '..', too long) are skipped and logged, never shown under a mangled name.
/// </summary>
internal sealed partial class DirectoryLister
{
    /// <summary>s3fs-fuse's old way of marking a directory.</summary>
    public const string LegacyFolderSuffix = "_$folder$";

    /// <summary>Our own metadata lives under this name at the volume root and is never shown.</summary>
    public const string InternalDirectoryName = ".s3cfs";

    private readonly IObjectStore _store;
    private readonly ILogger _logger;
    private readonly int _maxNameLength;

    public DirectoryLister(IObjectStore store, ILogger logger, int maxNameLength)
    {
        _store = store;
        _logger = logger;
        _maxNameLength = maxNameLength;
    }

    /// <summary>Lists <paramref name="directoryKey"/> (empty for the bucket root, else ending in '/').</summary>
    public async ValueTask<SortedDictionary<string, ListedChild>> ListAsync(string directoryKey, bool isVolumeRoot, CancellationToken cancellationToken) =>
        (await ListAsync(directoryKey, isVolumeRoot, int.MaxValue, cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// Lists <paramref name="directoryKey"/> if it fits in <paramref name="maxPages"/> listing pages (1,000 keys each);
    /// null when it does not (what was read is dropped). With <paramref name="final"/>, each child is also handed to it
    /// once, as soon as no later page can change it (see <see cref="FinalChildren"/>), so a caller can show the first
    /// names while the next pages are still being fetched.
    /// </summary>
    public async ValueTask<SortedDictionary<string, ListedChild>?> ListAsync(
        string directoryKey,
        bool isVolumeRoot,
        int maxPages,
        CancellationToken cancellationToken,
        Action<IReadOnlyList<ListedChild>>? final = null)
    {
        var children = new SortedDictionary<string, ListedChild>(StringComparer.Ordinal);
        var unreported = new List<string>();
        void Put(ListedChild child)
        {
            if (final is not null && !children.ContainsKey(child.Name))
            {
                unreported.Add(child.Name);
            }

            children[child.Name] = child;
        }

        // The next page is requested as soon as this one names it, before this one's keys are sorted in and handed
        // on: with readdir streaming these pages to ls, that work would otherwise sit between every two requests.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPages, 1);
        var pages = 1;
        var current = _store.ListAsync(new ListRequest(directoryKey), cancellationToken).AsTask();
        Task<ListPage>? unused = current; // a request whose page nobody took yet: waited out if the listing ends early
        try
        {
            while (true)
            {
                var page = await current.ConfigureAwait(false);
                unused = null;
                var token = page.NextContinuationToken;
                if (token is not null)
                {
                    if (pages++ == maxPages)
                    {
                        return null;
                    }

                    current = _store.ListAsync(new ListRequest(directoryKey) { ContinuationToken = token }, cancellationToken).AsTask();
                    unused = current;
                }

                AddPage(page);
                if (final is not null)
                {
                    final(FinalChildren(directoryKey, children, unreported, token is null ? null : LastKey(page)));
                }

                if (token is null)
                {
                    return children;
                }
            }
        }
        finally
        {
            await ObserveAsync(unused).ConfigureAwait(false);
        }

        void AddPage(ListPage page)
        {
            foreach (var prefix in page.CommonPrefixes)
            {
                var name = prefix[directoryKey.Length..^1];
                if (Accept(name, directoryKey, isVolumeRoot))
                {
                    // A directory wins over a file of the same name (both can exist in S3).
                    Put(new ListedChild(name, FileKind.Directory, 0, default, DateTimeOffset.MinValue));
                }
            }

            foreach (var obj in page.Objects)
            {
                if (obj.Key.Length == directoryKey.Length)
                {
                    continue; // the directory's own marker
                }

                var name = obj.Key[directoryKey.Length..];
                var kind = FileKind.RegularFile;
                if (name.EndsWith(LegacyFolderSuffix, StringComparison.Ordinal))
                {
                    name = name[..^LegacyFolderSuffix.Length];
                    kind = FileKind.Directory;
                }

                if (!Accept(name, directoryKey, isVolumeRoot))
                {
                    continue;
                }

                if (children.TryGetValue(name, out var existing) && existing.Kind == FileKind.Directory)
                {
                    if (kind != FileKind.Directory)
                    {
                        LogShadowedFile(_logger, obj.Key);
                    }

                    continue;
                }

                Put(new ListedChild(name, kind, obj.Size, obj.ETag, obj.LastModified)
                {
                    ObjectKey = kind == FileKind.Directory ? null : obj.Key,
                });
            }
        }
    }

    /// <summary>Waits out a page request nobody will use (the listing failed or was abandoned), ignoring its outcome.</summary>
    private static async ValueTask ObserveAsync(Task<ListPage>? request)
    {
        if (request is null)
        {
            return;
        }

        try
        {
            await request.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Only the page the caller is waiting on reports errors.
        }
    }

    /// <summary>
    /// Takes from <paramref name="unreported"/> the children no later page can change, in the order the listing first
    /// showed them (each page costs only its own names and those still held back). Keys arrive in ordinal order, and
    /// what a later key can still do to a name already seen is one thing: turn a file <c>x</c> into a directory (the
    /// prefix <c>x/</c> or s3fs-fuse's <c>x_$folder$</c>, the latter sorting last).
    /// So a directory is final at once, and a file once the listing has passed <c>x_$folder$</c>; with
    /// <paramref name="passedKey"/> null (the last page) everything is.
    /// </summary>
    private static List<ListedChild> FinalChildren(string directoryKey, SortedDictionary<string, ListedChild> children, List<string> unreported, string? passedKey)
    {
        var ready = new List<ListedChild>();
        var kept = 0;
        for (var i = 0; i < unreported.Count; i++)
        {
            var name = unreported[i];
            var child = children[name];
            if (passedKey is null || child.Kind == FileKind.Directory
                || string.CompareOrdinal(directoryKey + name + LegacyFolderSuffix, passedKey) <= 0)
            {
                ready.Add(child);
            }
            else
            {
                unreported[kept++] = name;
            }
        }

        unreported.RemoveRange(kept, unreported.Count - kept);
        return ready;
    }

    /// <summary>The greatest key of a page: its last object or its last common prefix, whichever sorts later.</summary>
    private static string LastKey(ListPage page)
    {
        var lastObject = page.Objects.Count > 0 ? page.Objects[^1].Key : string.Empty;
        var lastPrefix = page.CommonPrefixes.Count > 0 ? page.CommonPrefixes[^1] : string.Empty;
        return string.CompareOrdinal(lastObject, lastPrefix) >= 0 ? lastObject : lastPrefix;
    }

    private bool Accept(string name, string directoryKey, bool isVolumeRoot)
    {
        if (isVolumeRoot && name == InternalDirectoryName)
        {
            return false;
        }

        if (name.Length == 0 || name == "." || name == ".." || name.Contains('\0', StringComparison.Ordinal))
        {
            LogUnrepresentable(_logger, directoryKey + name, "it is empty, '.', '..' or holds a NUL");
            return false;
        }

        if (Encoding.UTF8.GetByteCount(name) > _maxNameLength)
        {
            LogUnrepresentable(_logger, directoryKey + name, $"the name is longer than {_maxNameLength} bytes");
            return false;
        }

        return true;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Key '{Key}' is not shown: {Reason}")]
    private static partial void LogUnrepresentable(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Object '{Key}' is hidden by a directory of the same name")]
    private static partial void LogShadowedFile(ILogger logger, string key);
}
