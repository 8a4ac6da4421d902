namespace S3Fs.Crypto.Keys;

/// <summary>
/// The master keys of one mount: a primary that wraps the data keys of new files, and old keys that only unwrap
/// (for objects written before a key rotation). An object is opened with the key whose provider and key id match its
/// envelope. The ring owns its keys and disposes them.
/// </summary>
public sealed class MasterKeyRing : IDisposable
{
    private readonly List<IMasterKey> _keys;

    public MasterKeyRing(IMasterKey primary, IEnumerable<IMasterKey>? oldKeys = null)
    {
        Primary = primary;
        _keys = [primary, .. oldKeys ?? []];
        var duplicate = _keys.GroupBy(k => (k.Provider, k.KeyId)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new KeyConfigurationException(
                $"Key {duplicate.Key.Provider}:{duplicate.Key.KeyId} is configured more than once (as the key and in old_keys, or twice in old_keys); list each key once.");
        }
    }

    /// <summary>Wraps the data keys of new files.</summary>
    public IMasterKey Primary { get; }

    /// <summary>The primary first, then the old keys in configured order.</summary>
    public IReadOnlyList<IMasterKey> Keys => _keys;

    public bool TryFind(string provider, string keyId, out IMasterKey key)
    {
        foreach (var candidate in _keys)
        {
            if (candidate.Provider == provider && candidate.KeyId == keyId)
            {
                key = candidate;
                return true;
            }
        }

        key = null!;
        return false;
    }

    /// <summary>The key for an envelope's provider and key id; a miss says which key is needed and where to add it.</summary>
    public IMasterKey Find(string provider, string keyId, string? objectKey = null)
    {
        if (TryFind(provider, keyId, out var key))
        {
            return key;
        }

        var configured = string.Join(", ", _keys.Select(k => $"{k.Provider}:{k.KeyId}"));
        var subject = objectKey is null ? "This object" : $"Object '{objectKey}'";
        throw new KeyUnavailableException(
            provider,
            keyId,
            $"{subject} was encrypted with {provider} key {keyId}, which this mount does not have (configured: {configured}). " +
            "Add that key to old_keys to read it.");
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
