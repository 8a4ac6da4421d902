namespace S3Fs.Crypto.Format;

/// <summary>
/// Names of the envelope's S3 user-metadata fields (without the <c>x-amz-meta-</c> wire prefix). Short because the
/// 2 KB metadata limit counts names too; lower case because S3 lower-cases names. Our own prefix, never the AWS S3
/// Encryption Client's names, which that client uses to recognise its objects.
/// </summary>
public static class MetadataKeys
{
    public const string Prefix = "s3cfs-";
    public const string Version = "s3cfs-v";
    public const string Algorithm = "s3cfs-alg";
    public const string BlockSize = "s3cfs-bs";
    public const string FileId = "s3cfs-fid";
    public const string KeyProvider = "s3cfs-kp";
    public const string KeyId = "s3cfs-kid";
    public const string WrappedKey = "s3cfs-wk";
    public const string KeyCommitment = "s3cfs-kc";

    /// <summary>Reserved for feature flags; v1 defines none, so a v1 reader rejects any object carrying it.</summary>
    public const string Flags = "s3cfs-flags";

    /// <summary>Every name v1 writes, in canonical order.</summary>
    public static readonly IReadOnlyList<string> All =
        [Version, Algorithm, BlockSize, FileId, KeyProvider, KeyId, WrappedKey, KeyCommitment];
}

/// <summary>Key-provider names recorded in <c>s3cfs-kp</c>.</summary>
public static class KeyProviders
{
    public const string File = "file";
    public const string Passphrase = "passphrase";
    public const string Rsa = "rsa";
    public const string Kms = "kms";

    public static readonly IReadOnlyList<string> All = [File, Passphrase, Rsa, Kms];
}
