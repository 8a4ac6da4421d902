using System.Buffers;
using System.Text;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>
/// The <see cref="IDirectoryEntrySink"/> for one readdir / readdirplus request: packs entries with libfuse's
/// own encoder (fuse_add_direntry[_plus], via the shim) into a pooled buffer of the size the kernel asked for,
/// and refuses an entry that does not fit, so the core stops and the kernel resumes from the last accepted
/// entry's offset. Not thread-safe: the core adds entries one at a time.
/// </summary>
/// <remarks>
/// Lookup counting for readdirplus: the kernel takes a reference on every entry it receives with a non-zero
/// node id, except "." and "..", which it ignores. So an entry counts as a lookup exactly when
/// <see cref="TryAdd"/> returns true, attributes were supplied and the name is not "." or ".." (those are sent
/// with node id 0). If the reply itself is then refused by the kernel, the adapter forgets those entries again
/// (<see cref="CountedInodes"/>).
/// </remarks>
internal sealed class DirectoryReplyBuffer : IDirectoryEntrySink, IDisposable
{
    /// <summary>Names longer than this are encoded into a rented array instead of the stack.</summary>
    private const int StackNameLimit = 512;

    private readonly nint _request;
    private readonly int _capacity;
    private byte[]? _buffer;
    private int _used;
    private bool _sealed;
    private List<long>? _counted;

    public DirectoryReplyBuffer(nint request, int capacity, bool plus)
    {
        _request = request;
        _capacity = capacity;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1));
        WantsAttributes = plus;
    }

    public bool WantsAttributes { get; }

    /// <summary>Inodes whose lookup count the kernel takes over once this buffer is delivered.</summary>
    public IReadOnlyList<long> CountedInodes => (IReadOnlyList<long>?)_counted ?? [];

    /// <summary>The packed entries; after this the sink accepts nothing more.</summary>
    public ReadOnlySpan<byte> Seal()
    {
        _sealed = true;
        return _buffer.AsSpan(0, _used);
    }

    public bool TryAdd(DirectoryEntry entry, EntryReply? attributes)
    {
        if (_sealed || _buffer is null || _used >= _capacity)
        {
            return false;
        }

        if (entry.NextOffset <= 0)
        {
            throw new InvalidOperationException($"directory entry '{entry.Name}' has NextOffset {entry.NextOffset}; offsets must be positive");
        }

        if (entry.Name.Length == 0 || entry.Name.Contains('\0', StringComparison.Ordinal) || entry.Name.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"directory entry name '{entry.Name}' is empty or contains '/' or NUL");
        }

        int nameBytes = Encoding.UTF8.GetByteCount(entry.Name) + 1;
        byte[]? rented = nameBytes > StackNameLimit ? ArrayPool<byte>.Shared.Rent(nameBytes) : null;
        try
        {
            Span<byte> name = rented is null ? stackalloc byte[StackNameLimit] : rented;
            int written = Encoding.UTF8.GetBytes(entry.Name, name);
            name[written] = 0;
            bool counts = WantsAttributes && attributes is not null && entry.Name is not ("." or "..");
            ulong needed = Add(entry, attributes, counts, name);
            if (needed > (ulong)(_capacity - _used))
            {
                return false;
            }

            _used += (int)needed;
            if (counts)
            {
                (_counted ??= []).Add(entry.Inode);
            }

            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void Dispose()
    {
        _sealed = true;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    /// <summary>The entry's type for d_type; 0 (DT_UNKNOWN) when the core only guessed it, so programs stat the name.</summary>
    private static uint TypeBitsOf(DirectoryEntry entry) => entry.KindGuessed ? 0 : AttributeConverter.TypeBits(entry.Kind);

    private unsafe ulong Add(DirectoryEntry entry, EntryReply? attributes, bool counts, ReadOnlySpan<byte> name)
    {
        ulong remaining = (ulong)(_capacity - _used);

        // SAFETY: the buffer and name are pinned for the call; _used < _capacity <= buffer length, so p points inside
        // the buffer with `remaining` writable bytes, and the encoder writes only when the entry fits in them.
        // name is NUL-terminated by TryAdd.
        fixed (byte* buffer = _buffer)
        fixed (byte* namePtr = name)
        {
            byte* p = buffer + _used;
            if (!WantsAttributes)
            {
                return Interop.Shim.s3fs_fuse_add_direntry(
                    _request, p, remaining, namePtr, (ulong)entry.Inode, TypeBitsOf(entry), entry.NextOffset);
            }

            Interop.Shim.s3fs_entry native;
            if (counts)
            {
                native = AttributeConverter.ToEntry(attributes!);
            }
            else
            {
                // Node id 0: the kernel lists the name but takes no reference and caches no attributes.
                native = default;
                native.attr.ino = (ulong)entry.Inode;
                native.attr.mode = TypeBitsOf(entry);
            }

            return Interop.Shim.s3fs_fuse_add_direntry_plus(_request, p, remaining, namePtr, native, entry.NextOffset);
        }
    }
}
