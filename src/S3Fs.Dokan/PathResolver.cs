using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>What a path walk found.</summary>
internal enum ResolutionKind
{
    /// <summary>The object exists: <see cref="Resolution.Entry"/> describes it.</summary>
    Found,

    /// <summary>The parent directory exists, the last name does not (a create would go there).</summary>
    Missing,

    /// <summary>A directory on the way does not exist (or is not a directory, or a symlink that cannot be followed).</summary>
    PathNotFound,
}

/// <summary>
/// The result of resolving one Windows path: where the name lives (parent inode and S3 name), and the object if it
/// exists. It holds the core lookup reference on the found object until disposed (then the reference goes to the
/// <see cref="InodeReferences"/> cache), unless a caller takes it over (an open handle keeps it until CloseFile).
/// </summary>
internal sealed class Resolution : IDisposable
{
    private readonly InodeReferences _references;
    private long? _held;

    public Resolution(InodeReferences references, ResolutionKind kind, long parentInode, string name, EntryReply? entry, long? held)
    {
        _references = references;
        Kind = kind;
        ParentInode = parentInode;
        Name = name;
        Entry = entry;
        _held = held;
    }

    public ResolutionKind Kind { get; }

    /// <summary>The directory holding <see cref="Name"/> (the root for the root itself).</summary>
    public long ParentInode { get; }

    /// <summary>The S3 name: the existing one when found (whatever case was typed), else the decoded typed name.</summary>
    public string Name { get; }

    /// <summary>The object (for a followed symlink: its target), when found.</summary>
    public EntryReply? Entry { get; }

    public bool IsRoot { get; init; }

    /// <summary>A symlink that cannot be followed (absolute, leaving the mount, dangling, looping): shown as a small read-only file.</summary>
    public bool IsLinkPlaceholder { get; init; }

    /// <summary>The last component as typed, decoded (differs from <see cref="Name"/> after a case-insensitive match).</summary>
    public string RequestedName { get; init; } = string.Empty;

    public FileAttributes Attributes => Entry?.Attributes ?? throw new InvalidOperationException($"'{Name}' was not found");

    /// <summary>Hands the lookup reference on the found object to the caller, who must hand it back to the cache later.</summary>
    public long? TakeReference()
    {
        var held = _held;
        _held = null;
        return held;
    }

    public void Dispose()
    {
        if (TakeReference() is { } inode)
        {
            _references.Adopt(inode);
        }
    }
}

/// <summary>
/// Turns Windows paths (<c>\dir\file</c>) into inodes by walking the core's LookupAsync from the root, the way the
/// kernel walks a path for FUSE, so both adapters share the core's semantics.
/// <list type="bullet">
/// <item>Each component is decoded with <see cref="WindowsNames.FromWindows"/>; when that name does not exist and
/// the mount is case-insensitive, the directory is listed and the first name (ordinal order) equal ignoring case is
/// taken; when the component held escapes, the literal name is tried last (for S3 names that contain the escape
/// characters themselves).</item>
/// <item>Symlinks on the way (and at the end, when asked) are followed like POSIX does, as long as the target is
/// relative and stays inside the mount, for at most 40 links (Linux's MAXSYMLINKS). A last component that cannot be
/// followed resolves to the link itself, flagged as a placeholder.</item>
/// <item>Directories on the way are handed to <see cref="InodeReferences"/>; the reference on the last object
/// belongs to the returned <see cref="Resolution"/>.</item>
/// </list>
/// </summary>
internal sealed class PathResolver(IFileSystem fs, InodeReferences references, bool caseInsensitive)
{
    /// <summary>Linux's MAXSYMLINKS: more links than this in one walk is a loop.</summary>
    public const int MaxSymlinkHops = 40;

    private readonly IFileSystem _fs = fs;

    /// <summary>Resolves <paramref name="windowsPath"/>; follows a symlink in the last component only when <paramref name="followFinal"/>.</summary>
    public async ValueTask<Resolution> ResolveAsync(string windowsPath, bool followFinal, CancellationToken cancellationToken)
    {
        var parts = windowsPath.Split('\\', StringSplitOptions.RemoveEmptyEntries).Select(p => (Name: p, FromWindows: true)).ToList();
        if (parts.Count == 0)
        {
            return await RootAsync(cancellationToken).ConfigureAwait(false);
        }

        var requested = WindowsNames.FromWindows(parts[^1].Name);

        // The link the path itself names, while its target is being walked: the answer if the target cannot be reached.
        (long Parent, string Name, EntryReply Entry)? finalLink = null;
        var hops = 0;
        while (true)
        {
            var dir = IFileSystem.RootInode;
            var walked = new List<string>();
            List<(string Name, bool FromWindows)>? restart = null;
            for (var i = 0; i < parts.Count && restart is null; i++)
            {
                var last = i == parts.Count - 1;
                var (found, name) = await LookupComponentAsync(dir, parts[i].Name, parts[i].FromWindows, cancellationToken).ConfigureAwait(false);
                if (found is null)
                {
                    return Unreached(finalLink, last ? ResolutionKind.Missing : ResolutionKind.PathNotFound, dir, name, requested);
                }

                if (found.Attributes.Kind == FileKind.Symlink && (!last || followFinal))
                {
                    var target = await ReadLinkOrNullAsync(found.Inode, cancellationToken).ConfigureAwait(false);
                    restart = target is null || ++hops > MaxSymlinkHops ? null : Splice(walked, target, parts.Skip(i + 1));
                    if (last && finalLink is null)
                    {
                        finalLink = (dir, name, found); // keeps the reference until the walk ends
                    }
                    else
                    {
                        references.Adopt(found.Inode);
                    }

                    if (restart is null)
                    {
                        return Unreached(finalLink, ResolutionKind.PathNotFound, dir, name, requested);
                    }

                    if (restart.Count == 0)
                    {
                        ReleaseLink(finalLink);
                        return await RootAsync(cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                if (last)
                {
                    ReleaseLink(finalLink);
                    return new Resolution(references, ResolutionKind.Found, dir, name, found, found.Inode) { RequestedName = requested };
                }

                references.Adopt(found.Inode);
                if (found.Attributes.Kind != FileKind.Directory)
                {
                    return Unreached(finalLink, ResolutionKind.PathNotFound, dir, name, requested);
                }

                walked.Add(name);
                dir = found.Inode;
            }

            parts = restart!;
        }
    }

    /// <summary>
    /// The answer when the walk could not reach the object: the placeholder of the link the path names, if the walk
    /// was following one, else where the walk stopped.
    /// </summary>
    private Resolution Unreached((long Parent, string Name, EntryReply Entry)? finalLink, ResolutionKind kind, long dir, string name, string requested) =>
        finalLink is { } link
            ? new Resolution(references, ResolutionKind.Found, link.Parent, link.Name, link.Entry, link.Entry.Inode) { IsLinkPlaceholder = true, RequestedName = requested }
            : new Resolution(references, kind, dir, name, null, null) { RequestedName = requested };

    private void ReleaseLink((long Parent, string Name, EntryReply Entry)? finalLink)
    {
        if (finalLink is { } link)
        {
            references.Adopt(link.Entry.Inode);
        }
    }

    /// <summary>
    /// The S3 names of the children of <paramref name="directory"/> as Windows would see them in order to match a
    /// component ignoring case; used when the exact name misses.
    /// </summary>
    private async ValueTask<string?> FindIgnoringCaseAsync(long directory, string name, CancellationToken cancellationToken)
    {
        var names = await DirectoryReader.ListNamesAsync(_fs, directory, cancellationToken).ConfigureAwait(false);
        return names.Where(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private async ValueTask<(EntryReply? Entry, string Name)> LookupComponentAsync(long directory, string part, bool fromWindows, CancellationToken cancellationToken)
    {
        var name = fromWindows ? WindowsNames.FromWindows(part) : part;
        if (await TryLookupAsync(directory, name, cancellationToken).ConfigureAwait(false) is { } exact)
        {
            return (exact, name);
        }

        if (fromWindows && caseInsensitive
            && await FindIgnoringCaseAsync(directory, name, cancellationToken).ConfigureAwait(false) is { } match
            && match != name
            && await TryLookupAsync(directory, match, cancellationToken).ConfigureAwait(false) is { } matched)
        {
            return (matched, match);
        }

        if (fromWindows && name != part && await TryLookupAsync(directory, part, cancellationToken).ConfigureAwait(false) is { } literal)
        {
            return (literal, part);
        }

        return (null, name);
    }

    private async ValueTask<EntryReply?> TryLookupAsync(long directory, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _fs.LookupAsync(directory, name, cancellationToken).ConfigureAwait(false);
        }
        catch (FsException e) when (e.Code == FsErrorCode.NotFound)
        {
            return null;
        }
    }

    private async ValueTask<string?> ReadLinkOrNullAsync(long inode, CancellationToken cancellationToken)
    {
        try
        {
            return await _fs.ReadLinkAsync(inode, cancellationToken).ConfigureAwait(false);
        }
        catch (FsException)
        {
            return null; // an unreadable link is shown as a placeholder rather than failing the whole walk
        }
    }

    private async ValueTask<Resolution> RootAsync(CancellationToken cancellationToken)
    {
        var attributes = await _fs.GetAttrAsync(IFileSystem.RootInode, cancellationToken).ConfigureAwait(false);
        return new Resolution(references, ResolutionKind.Found, IFileSystem.RootInode, string.Empty, new EntryReply(attributes, TimeSpan.Zero, TimeSpan.Zero), null) { IsRoot = true };
    }

    /// <summary>
    /// The walk to restart after a symlink: the directories walked so far, the link's target, then the components not
    /// walked yet, with "." and ".." applied. Null when the target is absolute or climbs above the mount root: such a
    /// link points outside the volume and is not followed.
    /// </summary>
    private static List<(string Name, bool FromWindows)>? Splice(List<string> walked, string target, IEnumerable<(string Name, bool FromWindows)> rest)
    {
        if (target.StartsWith('/'))
        {
            return null;
        }

        var result = walked.Select(w => (Name: w, FromWindows: false)).ToList();
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (result.Count == 0)
                {
                    return null;
                }

                result.RemoveAt(result.Count - 1);
                continue;
            }

            result.Add((part, false));
        }

        result.AddRange(rest);
        return result;
    }
}
