using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>How an ETag is written into a conditional header.</summary>
internal enum ETagHeaderForm
{
    /// <summary><c>If-Match: 0123abcd</c> — the only form Ceph RGW accepts for a correct ETag.</summary>
    Unquoted,

    /// <summary><c>If-Match: "0123abcd"</c> — the RFC 7232 form, what AWS S3 documents.</summary>
    Quoted,
}

/// <summary>
/// The details of one server's HTTP dialect that are not capabilities a caller would act on, but that the store
/// must get right: the ETag form each conditional header needs, and whether the server enforces
/// <c>x-amz-copy-source-if-match</c>. Until <see cref="S3ObjectStore.DetectCapabilitiesAsync"/> runs, the store
/// uses the AWS forms for AWS and RGW's form for any other endpoint, and never trusts copy-source conditions.
/// </summary>
internal sealed record ServerDialect(ETagHeaderForm ReadIfMatch, ETagHeaderForm WriteIfMatch, bool CopySourceIfMatchHonoured, bool Probed)
{
    public static ServerDialect Assumed(bool isAws)
        => isAws
            ? new ServerDialect(ETagHeaderForm.Quoted, ETagHeaderForm.Quoted, CopySourceIfMatchHonoured: false, Probed: false)
            : new ServerDialect(ETagHeaderForm.Unquoted, ETagHeaderForm.Unquoted, CopySourceIfMatchHonoured: false, Probed: false);

    public string FormatForRead(ETag etag) => Format(etag, ReadIfMatch);

    public string FormatForWrite(ETag etag) => Format(etag, WriteIfMatch);

    public static string Format(ETag etag, ETagHeaderForm form) => form == ETagHeaderForm.Quoted ? etag.Quoted : etag.Value;
}
