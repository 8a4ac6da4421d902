namespace S3Fs.Core.Storage;

/// <summary>
/// A failure of one object-store operation. The message names the operation, bucket and key so that a log line or a
/// command's error output is actionable on its own.
/// </summary>
public sealed class ObjectStoreException : Exception
{
    public ObjectStoreException(ObjectStoreErrorKind kind, string operation, string bucket, string? key, string message, Exception? inner = null)
        : base(FormatMessage(kind, operation, bucket, key, message), inner)
    {
        Kind = kind;
        Operation = operation;
        Bucket = bucket;
        Key = key;
        Detail = message;
    }

    public ObjectStoreErrorKind Kind { get; }

    public string Operation { get; }

    public string Bucket { get; }

    public string? Key { get; }

    /// <summary>The reason without the operation/bucket/key prefix.</summary>
    public string Detail { get; }

    /// <summary>Whether a retry with backoff may succeed.</summary>
    public bool IsRetryable => Kind is ObjectStoreErrorKind.Throttled or ObjectStoreErrorKind.Transient;

    private static string FormatMessage(ObjectStoreErrorKind kind, string operation, string bucket, string? key, string message)
    {
        var target = key is null ? $"s3://{bucket}" : $"s3://{bucket}/{key}";
        return $"{operation} {target} failed ({kind}): {message}";
    }
}
