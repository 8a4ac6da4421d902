namespace S3Fs.Core.Storage;

/// <summary>
/// The small set of failure kinds callers act on. A new kind is added only when some caller must behave
/// differently for it; anything else is <see cref="Other"/> with a precise message.
/// </summary>
public enum ObjectStoreErrorKind
{
    /// <summary>404: no such key (or bucket, or multipart upload).</summary>
    NotFound,

    /// <summary>412 (or 409 on a conditional write race): a condition such as If-Match or If-None-Match failed.</summary>
    PreconditionFailed,

    /// <summary>401/403, including a wrong SSE-C customer key or a missing KMS permission.</summary>
    AccessDenied,

    /// <summary>503 SlowDown, 429 or similar: retried with backoff, surfaced only when retries are exhausted.</summary>
    Throttled,

    /// <summary>500, 502, 504, timeouts, connection resets, truncated bodies: retried, then surfaced.</summary>
    Transient,

    /// <summary>416: the requested range starts at or beyond the end of the object.</summary>
    InvalidRange,

    /// <summary>501 or an explicit "not implemented": the server lacks the feature; callers degrade.</summary>
    NotSupported,

    /// <summary>400 and everything else: not retried.</summary>
    Other,
}
