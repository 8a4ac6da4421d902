using S3Fs.Core.Namespace;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// The entries one open directory hands to readdir, in order: an entry's offset is its index plus one, so offsets
/// stay stable while the directory is open. It fills while the directory is being listed, page by page, so the first
/// names reach the kernel (and ls) one listing page after opendir instead of after the last page: for a directory of
/// 10,000 names the kernel's work overlaps the nine remaining LIST round trips. One producer (the listing) appends;
/// readers wait until the index they ask for exists or the listing ended. The entries are an array replaced on every
/// append (copy on write), so a reader holds an immutable snapshot without a lock.
/// </summary>
internal sealed class DirectoryStream
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private (string Name, ListedChild? Child)[] _entries;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    /// <summary>A stream holding '.' and '..', to be filled by <see cref="Add"/> and ended by <see cref="Complete"/> or <see cref="Fail"/>.</summary>
    public DirectoryStream()
    {
        _entries = [(".", null), ("..", null)];
    }

    public bool IsComplete { get; private set; }

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
            IsComplete = true;
            Signal();
        }
    }

    /// <summary>Ends the stream with the listing's error: readers waiting for entries it never produced get it.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
        {
            _failure = failure;
            IsComplete = true;
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
                if (index < _entries.Length)
                {
                    return _entries;
                }

                if (_failure is not null)
                {
                    throw _failure;
                }

                if (IsComplete)
                {
                    return _entries;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Append(IEnumerable<ListedChild> children)
    {
        var added = children.Where(c => _names.Add(c.Name)).Select(c => (c.Name, (ListedChild?)c)).ToList();
        if (added.Count > 0)
        {
            _entries = [.. _entries, .. added];
        }
    }

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
