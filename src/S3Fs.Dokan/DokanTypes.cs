namespace S3Fs.Dokan;

/// <summary>What GetFileInformation answers (the managed form of BY_HANDLE_FILE_INFORMATION).</summary>
public readonly record struct FileInformation(
    uint Attributes,
    DateTimeOffset CreationTime,
    DateTimeOffset LastAccessTime,
    DateTimeOffset LastWriteTime,
    long Length,
    long FileIndex,
    uint VolumeSerialNumber,
    uint NumberOfLinks);

/// <summary>One directory entry for FindFiles (the managed form of WIN32_FIND_DATAW); the name is the Windows (escaped) name.</summary>
public readonly record struct FindData(
    string FileName,
    uint Attributes,
    DateTimeOffset CreationTime,
    DateTimeOffset LastAccessTime,
    DateTimeOffset LastWriteTime,
    long Length);

/// <summary>What GetVolumeInformation answers.</summary>
public readonly record struct VolumeInformation(
    string VolumeName,
    uint SerialNumber,
    uint MaximumComponentLength,
    uint FileSystemFlags,
    string FileSystemName);
