using System.Security.Cryptography;

namespace S3Fs.Testing.Kms;

/// <summary>The states of a KMS key that matter to these tests (names as in <c>KeyMetadata.KeyState</c>).</summary>
public enum KmsTestKeyState
{
    Enabled,
    Disabled,
    PendingDeletion,
}

/// <summary>A key created through the admin API: its id and canonical ARN.</summary>
public sealed record KmsTestKey(string KeyId, string Arn);

/// <summary>
/// One symmetric key held by the test server: secret material, state and a per-key list of denied operations
/// (the stand-in for a key policy). Mutable only under the store's lock.
/// </summary>
internal sealed class KmsTestKeyRecord(Guid id, string arn, string? description, DateTimeOffset created)
{
    public Guid Id { get; } = id;

    public string KeyId => Id.ToString("D");

    public string Arn { get; } = arn;

    public string? Description { get; } = description;

    public DateTimeOffset Created { get; } = created;

    /// <summary>256-bit key material; never leaves the server.</summary>
    public byte[] Material { get; } = RandomNumberGenerator.GetBytes(32);

    public KmsTestKeyState State { get; set; } = KmsTestKeyState.Enabled;

    public HashSet<string> DeniedOperations { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Keys and aliases of one account in one region, and resolution of every identifier form AWS accepts: key id,
/// key ARN, alias name (<c>alias/x</c>) and alias ARN. Unknown identifiers give <c>NotFoundException</c> with AWS's
/// wording.
/// </summary>
internal sealed class KmsTestKeyStore(string region, string accountId, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, KmsTestKeyRecord> _keys = [];
    private readonly Dictionary<string, Guid> _aliases = new(StringComparer.Ordinal);

    public string ArnPrefix => $"arn:aws:kms:{region}:{accountId}:";

    public KmsTestKeyRecord Create(string? description)
    {
        var id = Guid.NewGuid();
        var record = new KmsTestKeyRecord(id, $"{ArnPrefix}key/{id:D}", description, time.GetUtcNow());
        lock (_gate)
        {
            _keys.Add(id, record);
        }

        return record;
    }

    /// <summary>Creates or repoints an alias (<c>alias/name</c>).</summary>
    public void SetAlias(string aliasName, string keyId)
    {
        if (!aliasName.StartsWith("alias/", StringComparison.Ordinal) || aliasName.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Alias names must start with 'alias/' and not 'alias/aws/': {aliasName}", nameof(aliasName));
        }

        var target = Resolve(keyId);
        lock (_gate)
        {
            _aliases[aliasName] = target.Id;
        }
    }

    /// <summary>Runs <paramref name="change"/> on a key under the store lock (state changes from the admin API).</summary>
    public void Update(string keyId, Action<KmsTestKeyRecord> change)
    {
        var record = Resolve(keyId);
        lock (_gate)
        {
            change(record);
        }
    }

    /// <summary>Reads a key's state and deny list consistently.</summary>
    public (KmsTestKeyState State, bool Denied) Snapshot(KmsTestKeyRecord record, string operation)
    {
        lock (_gate)
        {
            return (record.State, record.DeniedOperations.Contains(operation));
        }
    }

    public KmsTestKeyRecord? FindById(Guid id)
    {
        lock (_gate)
        {
            return _keys.GetValueOrDefault(id);
        }
    }

    public KmsTestKeyRecord Resolve(string identifier)
    {
        lock (_gate)
        {
            if (identifier.StartsWith("arn:", StringComparison.Ordinal))
            {
                if (!identifier.StartsWith(ArnPrefix, StringComparison.Ordinal))
                {
                    throw KmsFaultException.NotFound($"Invalid arn {identifier}");
                }

                var resource = identifier[ArnPrefix.Length..];
                return resource.StartsWith("alias/", StringComparison.Ordinal)
                    ? ResolveAlias(resource, identifier)
                    : ResolveKey(resource.StartsWith("key/", StringComparison.Ordinal) ? resource[4..] : resource, identifier);
            }

            return identifier.StartsWith("alias/", StringComparison.Ordinal)
                ? ResolveAlias(identifier, $"{ArnPrefix}{identifier}")
                : ResolveKey(identifier, $"{ArnPrefix}key/{identifier}");
        }
    }

    private KmsTestKeyRecord ResolveAlias(string aliasName, string shownAs) =>
        _aliases.TryGetValue(aliasName, out var id) ? _keys[id] : throw KmsFaultException.NotFound($"Alias {shownAs} is not found.");

    private KmsTestKeyRecord ResolveKey(string keyId, string shownAs) =>
        Guid.TryParseExact(keyId, "D", out var id) && _keys.TryGetValue(id, out var record)
            ? record
            : throw KmsFaultException.NotFound($"Key '{shownAs}' does not exist");
}
