namespace S3Fs.Testing.Storage;

/// <summary>The requests an <see cref="Core.Storage.IObjectStore"/> makes, as the test decorators count and fault them.</summary>
public enum ObjectStoreOperation
{
    Head,
    GetRange,
    Put,
    StartMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    Copy,
    List,
    Delete,
    DeleteMany,
}
