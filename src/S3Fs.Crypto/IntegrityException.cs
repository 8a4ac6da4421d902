namespace S3Fs.Crypto;

/// <summary>
/// Stored data failed authentication: a block was modified, moved, truncated or extended, or the envelope was altered
/// (commitment or key-wrapping check). Nothing of the affected data is returned. The core maps this to an integrity
/// error (EIO) and logs the object key and block index carried here.
/// </summary>
public sealed class IntegrityException : Exception
{
    public IntegrityException(string? objectKey, long? blockIndex, string detail, Exception? inner = null)
        : base(Describe(objectKey, blockIndex, detail), inner)
    {
        ObjectKey = objectKey;
        BlockIndex = blockIndex;
    }

    public IntegrityException()
    {
    }

    public IntegrityException(string message)
        : base(message)
    {
    }

    public IntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The object whose data failed, when the caller said.</summary>
    public string? ObjectKey { get; }

    /// <summary>The block that failed, or null when the envelope failed.</summary>
    public long? BlockIndex { get; }

    private static string Describe(string? objectKey, long? blockIndex, string detail)
    {
        var subject = objectKey is null ? "object" : $"object '{objectKey}'";
        return blockIndex is { } index
            ? $"Integrity check failed for block {index} of {subject}: {detail}"
            : $"Integrity check failed for {subject}: {detail}";
    }
}
