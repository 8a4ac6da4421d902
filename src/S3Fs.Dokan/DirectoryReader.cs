using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>Reads a whole directory through the core's readdir (the core serves it from its cached listing when fresh).</summary>
internal static class DirectoryReader
{
    /// <summary>The S3 names of the children, without "." and "..".</summary>
    public static async ValueTask<List<string>> ListNamesAsync(IFileSystem fs, long directory, CancellationToken cancellationToken)
    {
        var sink = new Sink(wantsAttributes: false);
        await ReadAsync(fs, directory, sink, cancellationToken).ConfigureAwait(false);
        return sink.Entries.ConvertAll(e => e.Name);
    }

    /// <summary>
    /// The children with their attributes, without "." and "..". The references readdirplus hands out are dropped
    /// at once: the attributes are a snapshot, and the adapter holds nothing between requests.
    /// </summary>
    public static async ValueTask<List<(string Name, FileAttributes Attributes)>> ListEntriesAsync(IFileSystem fs, long directory, CancellationToken cancellationToken)
    {
        var sink = new Sink(wantsAttributes: true);
        try
        {
            await ReadAsync(fs, directory, sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, reply) in sink.Entries)
            {
                if (reply is not null)
                {
                    fs.Forget(reply.Inode, 1);
                }
            }
        }

        return sink.Entries.ConvertAll(e => (e.Name, e.Reply!.Attributes));
    }

    private static async ValueTask ReadAsync(IFileSystem fs, long directory, Sink sink, CancellationToken cancellationToken)
    {
        var open = await fs.OpenDirAsync(directory, cancellationToken).ConfigureAwait(false);
        try
        {
            // The sink never refuses an entry, so one call streams the whole directory.
            await fs.ReadDirAsync(directory, open.Handle, 0, sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await fs.ReleaseDirAsync(directory, open.Handle, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Sink(bool wantsAttributes) : IDirectoryEntrySink
    {
        public List<(string Name, EntryReply? Reply)> Entries { get; } = [];

        public bool WantsAttributes { get; } = wantsAttributes;

        public bool TryAdd(DirectoryEntry entry, EntryReply? attributes)
        {
            // "." and ".." come without attributes and without a reference (the core adds no lookup for them).
            if (entry.Name is not "." and not "..")
            {
                Entries.Add((entry.Name, attributes));
            }

            return true;
        }
    }
}
