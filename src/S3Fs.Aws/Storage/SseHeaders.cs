using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Puts the server-side-encryption headers on each kind of request that needs them. SSE-S3 and SSE-KMS apply
/// where an object is created (PUT, initiate, copy); SSE-C applies to every request that reads or writes object
/// data (PUT, initiate, UploadPart, HEAD, GET, copy destination) plus the copy-source headers when the source is
/// SSE-C encrypted.
/// </summary>
internal sealed class SseHeaders
{
    private readonly ServerSideEncryption _sse;
    private readonly string? _kmsContext;

    public SseHeaders(ServerSideEncryption sse)
    {
        _sse = sse;
        if (sse.Mode == SseMode.Kms && sse.KmsContext is { Count: > 0 } context)
        {
            // S3 wants the encryption context as base64 of a JSON object. Sorted, so equal contexts encode equally.
            var sorted = new SortedDictionary<string, string>(context.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
            _kmsContext = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(sorted)));
        }
    }

    public SseMode Mode => _sse.Mode;

    /// <summary>The key new objects are written with (SSE-C only).</summary>
    public CustomerKey? CurrentKey => _sse.Mode == SseMode.CustomerKey ? _sse.CustomerKey : null;

    /// <summary>Current key first, then the old ones: the order in which a read tries them.</summary>
    public IReadOnlyList<CustomerKey> ReadKeys()
    {
        if (CurrentKey is not { } current)
        {
            return [];
        }

        var keys = new List<CustomerKey>(1 + _sse.OldCustomerKeys.Count) { current };
        keys.AddRange(_sse.OldCustomerKeys);
        return keys;
    }

    public void Apply(PutObjectRequest r)
    {
        r.ServerSideEncryptionMethod = Method();
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKeyId();
        r.ServerSideEncryptionKeyManagementServiceEncryptionContext = _kmsContext;
        r.BucketKeyEnabled = BucketKey();
        if (CurrentKey is { } k)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = k.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = k.KeyMd5Base64;
        }
    }

    public void Apply(InitiateMultipartUploadRequest r)
    {
        r.ServerSideEncryptionMethod = Method();
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKeyId();
        r.ServerSideEncryptionKeyManagementServiceEncryptionContext = _kmsContext;
        r.BucketKeyEnabled = BucketKey();
        if (CurrentKey is { } k)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = k.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = k.KeyMd5Base64;
        }
    }

    public void Apply(UploadPartRequest r)
    {
        if (CurrentKey is { } k)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = k.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = k.KeyMd5Base64;
        }
    }

    public void Apply(CompleteMultipartUploadRequest r)
    {
        // S3 requires the SSE-C key on Complete only for checksummed uploads; sending it is harmless otherwise
        // and keeps the rule "every request on an SSE-C object carries the key".
        if (CurrentKey is { } k)
        {
            r.SSECustomerAlgorithm = "AES256";
            r.SSECustomerKey = k.KeyBase64();
            r.SSECustomerKeyMD5 = k.KeyMd5Base64;
        }
    }

    public static void ApplyRead(GetObjectRequest r, CustomerKey? key)
    {
        if (key is not null)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = key.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = key.KeyMd5Base64;
        }
    }

    public static void ApplyRead(GetObjectMetadataRequest r, CustomerKey? key)
    {
        if (key is not null)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = key.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = key.KeyMd5Base64;
        }
    }

    /// <summary>Destination encryption plus the source's SSE-C key (<paramref name="sourceKey"/>, may differ when re-keying).</summary>
    public void Apply(CopyObjectRequest r, CustomerKey? sourceKey)
    {
        r.ServerSideEncryptionMethod = Method();
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKeyId();
        r.ServerSideEncryptionKeyManagementServiceEncryptionContext = _kmsContext;
        r.BucketKeyEnabled = BucketKey();
        if (CurrentKey is { } k)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = k.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = k.KeyMd5Base64;
        }

        if (sourceKey is not null)
        {
            r.CopySourceServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.CopySourceServerSideEncryptionCustomerProvidedKey = sourceKey.KeyBase64();
            r.CopySourceServerSideEncryptionCustomerProvidedKeyMD5 = sourceKey.KeyMd5Base64;
        }
    }

    public void Apply(CopyPartRequest r, CustomerKey? sourceKey)
    {
        if (CurrentKey is { } k)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = k.KeyBase64();
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = k.KeyMd5Base64;
        }

        if (sourceKey is not null)
        {
            r.CopySourceServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.CopySourceServerSideEncryptionCustomerProvidedKey = sourceKey.KeyBase64();
            r.CopySourceServerSideEncryptionCustomerProvidedKeyMD5 = sourceKey.KeyMd5Base64;
        }
    }

    private ServerSideEncryptionMethod? Method() => _sse.Mode switch
    {
        SseMode.S3 => ServerSideEncryptionMethod.AES256,
        SseMode.Kms => ServerSideEncryptionMethod.AWSKMS,
        _ => null,
    };

    private string? KmsKeyId() => _sse.Mode == SseMode.Kms ? _sse.KmsKeyId : null;

    private bool? BucketKey() => _sse.Mode == SseMode.Kms && _sse.KmsBucketKey ? true : null;
}
