using S3Fs.Core.Namespace;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// The entries one open directory hands to readdir, in order: an entry's offset is its index plus one, so offsets
/// stay stable while the directory is open. It fills while the directory is being listed, page by page, so the first
/// names reach the kernel (and ls) one listing page after opendir instead of after the last page: for a directory of
/// 10,000 names the kernel's work overlaps the nine remaining LIST round trips. One producer (the listing) appends;
/// readers wait until the index they ask for exists or the listing ended. Each append is kept as its own chunk and
/// nothing written is ever changed, so an append costs only its own entries (a directory of a million names is a
/// thousand pages) and a reader's snapshot is the chunk table and a count, taken under the lock, copied never.
/// </summary>
internal sealed class DirectoryStream
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private (string Name, ListedChild? Child)[][] _chunks = new (string, ListedChild?)[8][];
    private int[] _starts = new int[8];
    private int _chunkCount;
    private int _count;
    private bool _complete;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    /// <summary>A stream holding '.' and '..', to be filled by <see cref="Add"/> and ended by <see cref="Complete"/> or <see cref="Fail"/>.</summary>
    public DirectoryStream()
    {
        AppendChunk([(".", null), ("..", null)]);
    }

    /// <summary>A complete stream of '.', '..' and <paramref name="children"/> (a listing already cached).</summary>
    public static DirectoryStream Of(IEnumerable<ListedChild> children)
    {
        var stream = new DirectoryStream();
        stream.Complete(children);
        return stream;
    }

    /// <summary>Appends children not shown yet.</summary>
    public void Add(IEnumerable<ListedChild> children)
    {
        lock (_lock)
        {
            Append(children);
            Signal();
        }
    }

    /// <summary>Appends what the listing showed that is not in the stream yet (names created here meanwhile) and ends it.</summary>
    public void Complete(IEnumerable<ListedChild> children)
    {
        lock (_lock)
        {
            Append(children);
            _complete = true;
            Signal();
        }
    }

    /// <summary>Ends the stream with the listing's error: readers waiting for entries it never produced get it.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
        {
            _failure = failure;
            _complete = true;
            Signal();
        }
    }

    /// <summary>
    /// The entries, once entry <paramref name="index"/> exists or the stream ended (then there may be fewer). Throws
    /// the listing's error if it failed before producing that entry.
    /// </summary>
    public async ValueTask<IReadOnlyList<(string Name, ListedChild? Child)>> WaitForAsync(long index, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (index < _count || (_complete && _failure is null))
                {
                    return new Snapshot(_chunks, _starts, _chunkCount, _count);
                }

                if (_failure is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Append(IEnumerable<ListedChild> children)
    {
        (string, ListedChild?)[] added = [.. children.Where(c => _names.Add(c.Name)).Select(c => (c.Name, (ListedChild?)c))];
        if (added.Length > 0)
        {
            AppendChunk(added);
        }
    }

    /// <summary>
    /// Adds a chunk. The tables grow into new arrays, so a snapshot holding the old ones still sees every chunk it
    /// counted; slots past a snapshot's count are the only ones ever written.
    /// </summary>
    private void AppendChunk((string Name, ListedChild? Child)[] chunk)
    {
        if (_chunkCount == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length * 2);
            Array.Resize(ref _starts, _starts.Length * 2);
        }

        _chunks[_chunkCount] = chunk;
        _starts[_chunkCount] = _count;
        _chunkCount++;
        _count += chunk.Length;
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The first <c>count</c> entries, indexed across the chunks by a binary search of their start offsets.</summary>
    private sealed class Snapshot((string Name, ListedChild? Child)[][] chunks, int[] starts, int chunkCount, int count)
        : IReadOnlyList<(string Name, ListedChild? Child)>
    {
        public int Count => count;

        public (string Name, ListedChild? Child) this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                var found = Array.BinarySearch(starts, 0, chunkCount, index);
                var chunk = found >= 0 ? found : ~found - 1;
                return chunks[chunk][index - starts[chunk]];
            }
        }

        public IEnumerator<(string Name, ListedChild? Child)> GetEnumerator()
        {
            for (var i = 0; i < chunkCount; i++)
            {
                foreach (var entry in chunks[i])
                {
                    yield return entry;
                }
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
