namespace S3Fs.Dokan;

/// <summary>
/// FILETIME (100-ns ticks since 1601-01-01 UTC) to and from the core's <see cref="DateTimeOffset"/>. In SetFileTime,
/// Windows uses 0 for "leave this time alone" and -1 (and -2, its "resume updates" companion) for "stop updating this
/// time on this handle"; the adapter treats all three as "do not change", like a missing pointer.
/// </summary>
public static class FileTimes
{
    /// <summary>The largest FILETIME a DateTime can hold (9999-12-31).</summary>
    private static readonly long MaxFileTime = DateTime.MaxValue.ToFileTimeUtc();

    /// <summary>The FILETIME of an instant; instants before 1601 (impossible in practice) become 0.</summary>
    public static long ToFileTime(DateTimeOffset time) =>
        time.UtcDateTime < DateTime.FromFileTimeUtc(0) ? 0 : time.UtcDateTime.ToFileTimeUtc();

    /// <summary>The instant a SetFileTime value asks for, or null for "do not change".</summary>
    /// <exception cref="ArgumentOutOfRangeException">Beyond the year 9999.</exception>
    public static DateTimeOffset? FromSetFileTime(long? fileTime) => fileTime switch
    {
        null or 0 or -1 or -2 => null,
        < 0 => throw new ArgumentOutOfRangeException(nameof(fileTime), fileTime, "a FILETIME cannot be negative"),
        var t when t > MaxFileTime => throw new ArgumentOutOfRangeException(nameof(fileTime), fileTime, "a FILETIME beyond the year 9999"),
        var t => new DateTimeOffset(DateTime.FromFileTimeUtc(t.Value), TimeSpan.Zero),
    };
}
