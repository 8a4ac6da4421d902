using System.Text.RegularExpressions;
using S3Fs.Dokan.Security;

namespace S3Fs.Dokan;

/// <summary>
/// How a bucket is shown as a Windows volume: where (drive letter or folder), under what name, with which driver
/// settings, and how names and permissions are presented. <see cref="DokanOperations"/> uses the presentation
/// settings, <see cref="DokanMount"/> all of them. Defaults are the ones a drive letter mount of a bucket wants.
/// </summary>
public sealed partial record DokanMountOptions
{
    /// <summary>A drive letter (<c>S:</c>, <c>S:\</c>) or an existing empty folder on an NTFS volume (<c>C:\mnt\photos</c>).</summary>
    public string MountPoint { get; init; } = string.Empty;

    /// <summary>The volume label Explorer shows (the <c>volume_name</c> option). At most 32 characters.</summary>
    public string VolumeName { get; init; } = "S3Fs";

    /// <summary>The volume serial number; by default a stable hash of the volume name, so it survives remounts.</summary>
    public uint? VolumeSerialNumber { get; init; }

    /// <summary>
    /// How long the driver lets one request run before giving up on it. 30 s covers a slow S3 request with retries;
    /// longer operations (a large upload on close) keep extending it while they make progress (DokanBlocking).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cluster size reported to Windows (it rounds "size on disk" to it). 4096, NTFS's default.</summary>
    public uint AllocationUnitSize { get; init; } = 4096;

    /// <summary>Sector size reported to Windows. 512, the classic disk sector and Dokan's default.</summary>
    public uint SectorSize { get; init; } = 512;

    /// <summary>Mount write-protected: Windows refuses every change before it reaches us.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Show the volume as a network drive with this UNC name (<c>\\s3fs\photos</c>); needs the Dokan network provider.</summary>
    public string? UncName { get; init; }

    /// <summary>Show the volume as a removable drive.</summary>
    public bool Removable { get; init; }

    /// <summary>
    /// Look names up ignoring case, as Windows programs expect (S3 itself is case-sensitive: on a miss the directory
    /// is listed and matched ignoring case; names of one directory that differ only in case are shown apart, see
    /// <see cref="WindowsNames"/>). False mounts the volume case-sensitive (DOKAN_OPTION_CASE_SENSITIVE).
    /// </summary>
    public bool CaseInsensitive { get; init; } = true;

    /// <summary>Mark names starting with a dot hidden, as Samba does by default.</summary>
    public bool HideDotFiles { get; init; } = true;

    /// <summary>
    /// Owner SID shown on every file. Null: the user running the mount (DokanMount fills it in), or Authenticated
    /// Users where that is not known (the adapter driven without a mount, as in tests).
    /// </summary>
    public string? OwnerSid { get; init; }

    /// <summary>Group SID shown on every file. Default: BUILTIN\Users.</summary>
    public string GroupSid { get; init; } = Sid.BuiltinUsers.ToString();

    /// <summary>POSIX owner given to files and directories created from Windows.</summary>
    public uint Uid { get; init; }

    /// <summary>POSIX group given to files and directories created from Windows.</summary>
    public uint Gid { get; init; }

    /// <summary>Permission bits of files created from Windows (0644; 0444 when created with FILE_ATTRIBUTE_READONLY).</summary>
    public uint FileMode { get; init; } = Convert.ToUInt32("644", 8);

    /// <summary>Permission bits of directories created from Windows.</summary>
    public uint DirectoryMode { get; init; } = Convert.ToUInt32("755", 8);

    /// <summary>
    /// How many files and directories the adapter keeps referenced in the core between requests (with what the core
    /// knows of them: cached listings, metadata). Windows opens the same objects again and again (every CreateFile
    /// walks the whole path, Explorer re-reads attributes); 4096 covers a browsing session's working set while
    /// bounding the memory kept alive (nodes are small; a directory's cached listing is the large part).
    /// </summary>
    public int InodeCacheSize { get; init; } = 4096;

    /// <summary>The serial number actually reported.</summary>
    public uint EffectiveSerialNumber => VolumeSerialNumber ?? Fnv1a(VolumeName);

    /// <summary>Every problem with these options, each with what to do about it; empty when they can be mounted.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!DriveLetter().IsMatch(MountPoint) && !FolderPath().IsMatch(MountPoint))
        {
            errors.Add($"mount point '{MountPoint}': give a drive letter such as S: or an empty folder on an NTFS volume such as C:\\mnt\\photos");
        }

        if (VolumeName.Length is 0 or > 32 || VolumeName.Any(char.IsControl))
        {
            errors.Add($"volume_name '{VolumeName}': use 1 to 32 printable characters (Windows components truncate longer labels)");
        }

        if (Timeout < TimeSpan.FromSeconds(1) || Timeout > TimeSpan.FromHours(1))
        {
            errors.Add($"timeout {Timeout.TotalSeconds:0.###} s: use 1 s to 1 h (slow operations extend it while they run)");
        }

        if (SectorSize is not (512 or 1024 or 2048 or 4096))
        {
            errors.Add($"sector size {SectorSize}: use 512, 1024, 2048 or 4096");
        }

        if (AllocationUnitSize < SectorSize || AllocationUnitSize > 65536 || (AllocationUnitSize & (AllocationUnitSize - 1)) != 0)
        {
            errors.Add($"allocation unit size {AllocationUnitSize}: use a power of two from the sector size ({SectorSize}) to 65536");
        }

        if (UncName is not null && !UncPath().IsMatch(UncName))
        {
            errors.Add($"UNC name '{UncName}': use the form \\\\server\\share");
        }

        if (UncName is not null && Removable)
        {
            errors.Add("a volume is either a network drive (UNC name) or a removable drive, not both");
        }

        foreach (var (what, sid) in new[] { ("owner SID", OwnerSid ?? Sid.AuthenticatedUsers.ToString()), ("group SID", GroupSid) })
        {
            try
            {
                Sid.Parse(sid);
            }
            catch (FormatException e)
            {
                errors.Add($"{what}: {e.Message}");
            }
        }

        if (InodeCacheSize < 1)
        {
            errors.Add($"inode cache size {InodeCacheSize}: must be at least 1");
        }

        return errors;
    }

    /// <summary>FNV-1a (32-bit) of the UTF-16 code units: a stable, well-spread serial number from a name.</summary>
    private static uint Fnv1a(string s)
    {
        const uint offsetBasis = 2166136261;
        const uint prime = 16777619;
        var hash = offsetBasis;
        foreach (var c in s)
        {
            hash = (hash ^ c) * prime;
        }

        return hash;
    }

    [GeneratedRegex(@"^[A-Za-z]:\\?$")]
    private static partial Regex DriveLetter();

    [GeneratedRegex(@"^[A-Za-z]:\\[^<>:""|?*\x00-\x1F]+$")]
    private static partial Regex FolderPath();

    [GeneratedRegex(@"^\\\\[^\\/]+\\[^\\/]+$")]
    private static partial Regex UncPath();
}
