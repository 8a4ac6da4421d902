using System.Security.Cryptography;
using Amazon.Runtime;
using KeyUnavailableException = S3Fs.Crypto.Keys.KeyUnavailableException;

namespace S3Fs.Aws.Kms;

/// <summary>Why a KMS call failed, in terms of what the operator has to do about it.</summary>
public enum KmsFailureKind
{
    /// <summary>The key is disabled (<c>DisabledException</c>).</summary>
    Disabled,

    /// <summary>The key or alias does not exist in that account and region (<c>NotFoundException</c>).</summary>
    NotFound,

    /// <summary>The caller lacks a KMS permission on the key (<c>AccessDeniedException</c>).</summary>
    AccessDenied,

    /// <summary>KMS could not authenticate the ciphertext under the given context (<c>InvalidCiphertextException</c>).</summary>
    InvalidCiphertext,

    /// <summary>The ciphertext belongs to a different key than the one named (<c>IncorrectKeyException</c>).</summary>
    IncorrectKey,

    /// <summary>The key's state forbids the call, e.g. pending deletion (<c>KMSInvalidStateException</c>).</summary>
    InvalidState,

    /// <summary>Throttled, and still throttled after the SDK's retries (<c>ThrottlingException</c>).</summary>
    Throttled,

    /// <summary>KMS rejected the credentials or the signature.</summary>
    Credentials,

    /// <summary>The key cannot encrypt (asymmetric, HMAC or sign/verify key).</summary>
    InvalidKeyUsage,

    /// <summary>Network failure, timeout or a KMS-side transient error.</summary>
    Unavailable,

    /// <summary>Anything else; the message carries KMS's error code.</summary>
    Other,
}

/// <summary>
/// The KMS-specific cause carried as the inner exception of the <see cref="KeyUnavailableException"/> or
/// <see cref="CryptographicException"/> a <see cref="KmsMasterKey"/> throws: which operation, which key, and a
/// <see cref="Kind"/> callers and tests can branch on without parsing messages.
/// </summary>
public sealed class KmsFailureException : Exception
{
    public KmsFailureException(KmsFailureKind kind, string operation, string keyId, string message, Exception? inner)
        : base(message, inner)
    {
        Kind = kind;
        Operation = operation;
        KeyId = keyId;
    }

    public KmsFailureException()
    {
        Operation = KeyId = string.Empty;
    }

    public KmsFailureException(string message)
        : base(message)
    {
        Operation = KeyId = string.Empty;
    }

    public KmsFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = KeyId = string.Empty;
    }

    public KmsFailureKind Kind { get; }

    /// <summary>The KMS API operation, e.g. <c>Decrypt</c>.</summary>
    public string Operation { get; }

    /// <summary>The key as named in the call (canonical ARN after startup).</summary>
    public string KeyId { get; }
}

/// <summary>
/// Turns an AWS SDK failure into an exception whose message says what happened and what to do. Integrity failures
/// (the ciphertext or its context does not verify) become <see cref="CryptographicException"/>, everything else
/// <see cref="KeyUnavailableException"/>, as <see cref="S3Fs.Crypto.Keys.IMasterKey"/> specifies.
/// </summary>
internal static class KmsErrorMapper
{
    public static Exception Map(Exception error, string operation, string keyId, string region, int maxAttempts)
    {
        var code = (error as AmazonServiceException)?.ErrorCode ?? string.Empty;
        var detail = string.IsNullOrEmpty(error.Message) ? code : $"{code}: {error.Message}";
        var (kind, advice) = code switch
        {
            "DisabledException" => (KmsFailureKind.Disabled,
                $"KMS key {keyId} is disabled, so {operation} was refused. Enable it (aws kms enable-key --key-id {keyId}); if it was "
                + "retired on purpose, make another key primary and keep this one under old_keys: objects whose keys it wraps stay "
                + "unreadable until it is enabled again."),
            "NotFoundException" => (KmsFailureKind.NotFound,
                $"KMS key {keyId} was not found in region {region}. Check the key id or alias and kms_region (KMS keys are regional), "
                + "and that the key was not deleted."),
            "AccessDeniedException" => (KmsFailureKind.AccessDenied,
                $"KMS denied {operation} on {keyId}: grant kms:{operation} on this key to the mount's AWS identity (key policy or IAM "
                + "policy). A mount needs kms:DescribeKey, kms:GenerateDataKey (to write) and kms:Decrypt (to read); policy "
                + $"conditions on kms:EncryptionContext must allow the {KmsEncryptionContext.PurposeKey} and {KmsEncryptionContext.IntermediateKeyIdKey} keys."),
            "InvalidCiphertextException" => (KmsFailureKind.InvalidCiphertext,
                $"KMS could not authenticate this object's intermediate key under {keyId}: the KMS ciphertext or the encryption context "
                + "stored in the object's metadata was altered. The object's key metadata is corrupt or tampered with."),
            "IncorrectKeyException" => (KmsFailureKind.IncorrectKey,
                $"This object's intermediate key was encrypted under a different KMS key than {keyId}, the key its metadata names. The "
                + "metadata was altered or copied from another object."),
            "KMSInvalidStateException" => (KmsFailureKind.InvalidState,
                $"KMS key {keyId} is in a state that does not allow {operation} (for example pending deletion: cancel it with "
                + $"aws kms cancel-key-deletion --key-id {keyId}, then enable the key)."),
            "ThrottlingException" or "Throttling" => (KmsFailureKind.Throttled,
                $"KMS throttled {operation} on {keyId} and the SDK gave up after {maxAttempts} attempts. The account's KMS request "
                + "quota in this region is exhausted, perhaps by other workloads: retry later, ask AWS for a higher quota, or raise "
                + "kms_ik_lifetime and kms_cache_ttl so this mount calls KMS less."),
            "UnrecognizedClientException" or "InvalidSignatureException" or "MissingAuthenticationTokenException"
                or "IncompleteSignatureException" or "ExpiredTokenException" or "InvalidClientTokenId" => (KmsFailureKind.Credentials,
                $"KMS rejected the mount's AWS credentials for {operation}. Check the access key, secret and session token (or "
                + "profile) the mount uses, refresh an expired session, and check the machine's clock."),
            "InvalidKeyUsageException" => (KmsFailureKind.InvalidKeyUsage,
                $"KMS key {keyId} cannot encrypt: S3Fs needs a symmetric encryption key (key spec SYMMETRIC_DEFAULT, usage ENCRYPT_DECRYPT)."),
            "KMSInternalException" or "DependencyTimeoutException" or "KeyUnavailableException" => (KmsFailureKind.Unavailable,
                $"KMS failed {operation} on {keyId} with a service-side error; it is usually transient: retry."),
            _ when error is AmazonServiceException => (KmsFailureKind.Other,
                $"KMS refused {operation} on {keyId}."),
            _ when error is HttpRequestException or TimeoutException or TaskCanceledException or AmazonClientException => (KmsFailureKind.Unavailable,
                $"Could not reach KMS for {operation} on {keyId} (region {region}): check the network, kms_endpoint and kms_region."),
            _ => (KmsFailureKind.Other, $"{operation} on KMS key {keyId} failed."),
        };

        var cause = new KmsFailureException(kind, operation, keyId, $"{advice} ({detail})", error);
        return kind is KmsFailureKind.InvalidCiphertext or KmsFailureKind.IncorrectKey
            ? new CryptographicException(cause.Message, cause)
            : new KeyUnavailableException(cause.Message, cause);
    }
}
