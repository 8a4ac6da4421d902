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
            // The sink never refuses an entry, but a directory still being listed is handed out as its pages arrive:
            // call again from the last offset until a call adds nothing (the end of the directory).
            long offset = 0;
            do
            {
                sink.Added = 0;
                await fs.ReadDirAsync(directory, open.Handle, offset, sink, cancellationToken).ConfigureAwait(false);
                offset = sink.NextOffset;
            }
            while (sink.Added > 0);
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

        /// <summary>Entries (dots included) the last call handed over.</summary>
        public int Added { get; set; }

        /// <summary>Where the next call starts: the last entry's NextOffset.</summary>
        public long NextOffset { get; private set; }

        public bool TryAdd(DirectoryEntry entry, EntryReply? attributes)
        {
            Added++;
            NextOffset = entry.NextOffset;

            // "." and ".." come without attributes and without a reference (the core adds no lookup for them).
            if (entry.Name is not "." and not "..")
            {
                Entries.Add((entry.Name, attributes));
            }

            return true;
        }
    }
}
