using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Tests.Conformance;

/// <summary>
/// A readdir reply buffer that holds <c>capacity</c> entries, as the kernel's does: the core stops at the first
/// entry refused, and the next call starts from <see cref="LastOffset"/>. Collects every name handed over.
/// </summary>
public sealed class CollectingSink(int capacity, bool wantsAttributes) : IDirectoryEntrySink
{
    public List<string> Names { get; } = [];

    public long LastOffset { get; private set; }

    /// <summary>Entries the current call added; reset it before each call.</summary>
    public int Added { get; set; }

    public bool WantsAttributes { get; } = wantsAttributes;

    public bool TryAdd(DirectoryEntry entry, EntryReply? attributes)
    {
        if (Added == capacity)
        {
            return false;
        }

        Names.Add(entry.Name);
        LastOffset = entry.NextOffset;
        Added++;
        return true;
    }
}
