namespace S3Fs.Dokan;

/// <summary>
/// The managed view of one request's DOKAN_FILE_INFO: what the trampolines copy in before calling an operation and
/// copy back after (Context, IsDirectory, DeletePending are the fields an operation may change). Tests build it the
/// way the Dokan driver would.
/// </summary>
public sealed class DokanFileInfo
{
    /// <summary>Our open-file id (0 when nothing is open: the volume callbacks, and CreateFile on entry).</summary>
    public ulong Context { get; set; }

    /// <summary>Set by CreateFile when the opened object is a directory; Dokan passes it on every later request.</summary>
    public bool IsDirectory { get; set; }

    /// <summary>
    /// On DeleteFile/DeleteDirectory: the state Windows asks for (true: delete when the last handle closes; false:
    /// cancel that). On Cleanup: true when this is the last handle of an object marked for deletion, which must now be
    /// deleted (FILE_DELETE_ON_CLOSE or a disposition set earlier).
    /// </summary>
    public bool DeletePending { get; set; }

    /// <summary>The read or write comes from the cache or memory manager (it may follow Cleanup; it must not extend the file).</summary>
    public bool PagingIo { get; init; }

    public bool SynchronousIo { get; init; }

    public bool Nocache { get; init; }

    /// <summary>Write at the current end of file, whatever the offset says (a handle opened for FILE_APPEND_DATA only).</summary>
    public bool WriteToEndOfFile { get; init; }

    /// <summary>The Windows process that made the request.</summary>
    public uint ProcessId { get; init; }

    /// <summary>Extends this request's driver timeout while a slow operation runs (null: no driver behind us).</summary>
    public ITimeoutExtender? TimeoutExtender { get; init; }
}
