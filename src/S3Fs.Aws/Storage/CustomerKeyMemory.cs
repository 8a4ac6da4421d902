using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Remembers, for a bounded number of object keys, which SSE-C key opened each object when it was not the current
/// key. The next read of such an object then goes straight to the right key instead of paying one refused request
/// per key tried. Least recently used entries are dropped first; the map holds references to the configured
/// <see cref="CustomerKey"/> instances only, never key bytes.
/// </summary>
internal sealed class CustomerKeyMemory
{
    private readonly int _capacity;
    private readonly Dictionary<string, LinkedListNode<(string ObjectKey, CustomerKey Key)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string ObjectKey, CustomerKey Key)> _order = new();
    private readonly Lock _lock = new();

    public CustomerKeyMemory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public CustomerKey? Get(string objectKey)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(objectKey, out var node))
            {
                return null;
            }

            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Key;
        }
    }

    /// <summary>Records the key that opened <paramref name="objectKey"/>; null forgets it (the current key works).</summary>
    public void Set(string objectKey, CustomerKey? key)
    {
        lock (_lock)
        {
            if (_map.Remove(objectKey, out var old))
            {
                _order.Remove(old);
            }

            if (key is null || _capacity == 0)
            {
                return;
            }

            _map[objectKey] = _order.AddFirst((objectKey, key));
            if (_map.Count > _capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.ObjectKey);
            }
        }
    }
}
