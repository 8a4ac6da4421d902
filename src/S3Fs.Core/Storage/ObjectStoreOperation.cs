namespace S3Fs.Core.Storage;

/// <summary>The requests an <see cref="IObjectStore"/> makes, as <see cref="CountingObjectStore"/> counts them (and test decorators fault them).</summary>
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
