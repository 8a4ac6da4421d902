namespace S3Fs.Testing.Kms;

/// <summary>
/// An error the test KMS returns as the real service does: HTTP 400 and <c>{"__type": Type, "message": ...}</c>.
/// Thrown inside request handling and turned into a response at the top, so handlers read as straight-line code.
/// </summary>
public sealed class KmsFaultException : Exception
{
    public KmsFaultException(string type, string message)
        : base(message)
    {
        Type = type;
    }

    public KmsFaultException()
        : this("KMSInternalException", "internal error")
    {
    }

    public KmsFaultException(string message)
        : this("KMSInternalException", message)
    {
    }

    public KmsFaultException(string message, Exception innerException)
        : base(message, innerException)
    {
        Type = "KMSInternalException";
    }

    /// <summary>The error code, e.g. <c>NotFoundException</c>, exactly as AWS KMS names it.</summary>
    public string Type { get; }

    public static KmsFaultException NotFound(string message) => new("NotFoundException", message);

    public static KmsFaultException Disabled(string arn) => new("DisabledException", $"{arn} is disabled.");

    public static KmsFaultException InvalidState(string message) => new("KMSInvalidStateException", message);

    public static KmsFaultException InvalidCiphertext() => new("InvalidCiphertextException", string.Empty);

    public static KmsFaultException Validation(string message) => new("ValidationException", message);

    public static KmsFaultException Throttling() => new("ThrottlingException", "Rate exceeded");
}
