using S3Fs.Core.FileSystem;
using S3Fs.Dokan.Interop;

namespace S3Fs.Dokan;

/// <summary>What Windows reads and sets about files and the volume: information, listings, attributes, times, security.</summary>
public sealed partial class DokanOperations
{
    /// <summary>Longest name a WIN32_FIND_DATAW holds: MAX_PATH (260) minus the terminating NUL.</summary>
    private const int MaxFindDataName = 259;

    private static readonly uint PermissionBits = Convert.ToUInt32("777", 8);

    /// <summary>GetFileInformation: attributes, times, size and index of an open file.</summary>
    public NtStatus GetFileInformation(string fileName, out FileInformation information, DokanFileInfo info)
    {
        information = default;
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        FileInformation result = default;
        var status = Run(nameof(GetFileInformation), fileName, info, async ct =>
        {
            var attributes = await _fs.GetAttrAsync(file.Inode, ct).ConfigureAwait(false);
            var name = fileName.Split('\\', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
            result = new FileInformation(
                WindowsAttributes(attributes, name, file.IsLinkPlaceholder),
                CreationTime(attributes),
                attributes.ATime,
                attributes.MTime,
                attributes.Kind == FileKind.Directory ? 0 : attributes.Size,
                attributes.Inode,
                _options.EffectiveSerialNumber,
                attributes.LinkCount == 0 ? 1 : attributes.LinkCount);
            return NtStatus.Success;
        });
        information = result;
        return status;
    }

    /// <summary>FindFiles: every entry of an open directory (FindFilesWithPattern with <c>*</c>).</summary>
    public NtStatus FindFiles(string fileName, out IReadOnlyList<FindData> entries, DokanFileInfo info) =>
        FindFilesWithPattern(fileName, "*", out entries, info);

    /// <summary>
    /// FindFilesWithPattern: the entries of an open directory whose Windows names match <paramref name="searchPattern"/>
    /// (<see cref="DosPattern"/>; ignoring case on a case-insensitive mount). "." and ".." are not listed.
    /// </summary>
    public NtStatus FindFilesWithPattern(string fileName, string searchPattern, out IReadOnlyList<FindData> entries, DokanFileInfo info)
    {
        entries = [];
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        if (!file.IsDirectory)
        {
            return NtStatus.NotADirectory;
        }

        var result = new List<FindData>();
        var status = Run(nameof(FindFilesWithPattern), fileName, info, async ct =>
        {
            var children = await DirectoryReader.ListEntriesAsync(_fs, file.Inode, ct).ConfigureAwait(false);
            var names = WindowsNames.ToWindows(children.ConvertAll(c => c.Name), _options.CaseInsensitive);
            for (var i = 0; i < children.Count; i++)
            {
                var name = names[i];
                if (!DosPattern.IsMatch(searchPattern, name, ignoreCase: _options.CaseInsensitive))
                {
                    continue;
                }

                if (name.Length > MaxFindDataName)
                {
                    Log.NameTooLongForWindows(_logger, fileName, name, name.Length);
                    continue;
                }

                var attributes = children[i].Attributes;
                var placeholder = false;
                if (attributes.Kind == FileKind.Symlink)
                {
                    // Windows sees what a link points to (Dokan has no reparse points); a link that cannot be followed
                    // is shown as the small read-only file holding its target.
                    using var target = await _resolver.ResolveAsync(fileName.TrimEnd('\\') + "\\" + name, followFinal: true, ct).ConfigureAwait(false);
                    if (target.Kind != ResolutionKind.Found)
                    {
                        continue; // removed since the listing
                    }

                    attributes = target.Attributes;
                    placeholder = target.IsLinkPlaceholder;
                }

                result.Add(new FindData(
                    name,
                    WindowsAttributes(attributes, name, placeholder),
                    CreationTime(attributes),
                    attributes.ATime,
                    attributes.MTime,
                    attributes.Kind == FileKind.Directory ? 0 : attributes.Size));
            }

            return NtStatus.Success;
        });
        entries = result;
        return status;
    }

    /// <summary>
    /// SetFileAttributes: FILE_ATTRIBUTE_READONLY on a file clears the write bits of its mode; clearing it gives the
    /// owner write permission back. 0 means "no change". The other attributes (hidden, system, archive, temporary)
    /// have no place in S3 and are not stored.
    /// </summary>
    public NtStatus SetFileAttributes(string fileName, uint attributes, DokanFileInfo info)
    {
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        if (attributes == 0 || file.IsDirectory)
        {
            return NtStatus.Success;
        }

        return Run(nameof(SetFileAttributes), fileName, info, async ct =>
        {
            var current = await _fs.GetAttrAsync(file.Inode, ct).ConfigureAwait(false);
            var readOnly = (attributes & WinNT.FILE_ATTRIBUTE_READONLY) != 0;
            var mode = current.Mode;
            var wanted = readOnly ? mode & ~WriteBits : (mode & WriteBits) == 0 ? mode | Convert.ToUInt32("200", 8) : mode;
            if (wanted != mode)
            {
                await SetModeAsync(file, wanted, info, ct).ConfigureAwait(false);
            }

            return NtStatus.Success;
        });
    }

    /// <summary>
    /// SetFileTime: raw FILETIME values, null where Windows passed no pointer; 0, -1 and -2 mean "no change". Last
    /// access and last write are stored (atime, mtime); S3Fs keeps no creation time, so that one is not stored.
    /// </summary>
    public NtStatus SetFileTime(string fileName, long? creationTime, long? lastAccessTime, long? lastWriteTime, DokanFileInfo info)
    {
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        DateTimeOffset? atime, mtime;
        try
        {
            atime = FileTimes.FromSetFileTime(lastAccessTime);
            mtime = FileTimes.FromSetFileTime(lastWriteTime);
        }
        catch (ArgumentOutOfRangeException)
        {
            return NtStatus.InvalidParameter;
        }

        if (atime is null && mtime is null)
        {
            return NtStatus.Success;
        }

        if (_options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        return Run(nameof(SetFileTime), fileName, info, async ct =>
        {
            await _fs.SetAttrAsync(file.Inode, new SetAttrRequest { ATime = atime, MTime = mtime }, file.CoreHandle, Caller(info), ct).ConfigureAwait(false);
            return NtStatus.Success;
        });
    }

    /// <summary>
    /// GetFileSecurity: the self-relative security descriptor of the file's permission bits (<see cref="Security.PosixSecurity"/>),
    /// with the parts <paramref name="securityInformation"/> asks for. When <paramref name="buffer"/> is too small:
    /// STATUS_BUFFER_OVERFLOW and the size needed in <paramref name="lengthNeeded"/>.
    /// </summary>
    public NtStatus GetFileSecurity(string fileName, uint securityInformation, Span<byte> buffer, out int lengthNeeded, DokanFileInfo info)
    {
        lengthNeeded = 0;
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        byte[] descriptor = [];
        var status = Run(nameof(GetFileSecurity), fileName, info, async ct =>
        {
            var attributes = await _fs.GetAttrAsync(file.Inode, ct).ConfigureAwait(false);
            descriptor = _security.Build(attributes.Mode, securityInformation);
            return NtStatus.Success;
        });
        if (status != NtStatus.Success)
        {
            return status;
        }

        lengthNeeded = descriptor.Length;
        if (buffer.Length < descriptor.Length)
        {
            return NtStatus.BufferOverflow;
        }

        descriptor.CopyTo(buffer);
        return NtStatus.Success;
    }

    /// <summary>
    /// SetFileSecurity: a new DACL sets the permission bits (owner, group and Everyone ACEs, see
    /// <see cref="Security.PosixSecurity"/>); owner, group and SACL changes are not stored.
    /// </summary>
    public NtStatus SetFileSecurity(string fileName, uint securityInformation, ReadOnlySpan<byte> descriptor, DokanFileInfo info)
    {
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        if (_options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        if ((securityInformation & ~WinNT.DACL_SECURITY_INFORMATION) != 0)
        {
            Log.SecurityPartsIgnored(_logger, fileName);
        }

        if ((securityInformation & WinNT.DACL_SECURITY_INFORMATION) == 0)
        {
            return NtStatus.Success;
        }

        uint? permissions;
        try
        {
            permissions = _security.ReadPermissions(descriptor);
        }
        catch (FormatException e)
        {
            Log.OperationFailed(_logger, Microsoft.Extensions.Logging.LogLevel.Debug, nameof(SetFileSecurity), fileName, e.Message);
            return NtStatus.InvalidSecurityDescriptor;
        }

        if (permissions is not { } bits)
        {
            return NtStatus.Success;
        }

        return Run(nameof(SetFileSecurity), fileName, info, async ct =>
        {
            var current = await _fs.GetAttrAsync(file.Inode, ct).ConfigureAwait(false);
            var wanted = (current.Mode & ~PermissionBits) | bits;
            if (wanted != current.Mode)
            {
                await SetModeAsync(file, wanted, info, ct).ConfigureAwait(false);
            }

            return NtStatus.Success;
        });
    }

    /// <summary>GetDiskFreeSpace: the core's statfs in bytes (S3 has no real limit; the core reports a large capacity).</summary>
    public NtStatus GetDiskFreeSpace(out ulong freeBytesAvailable, out ulong totalNumberOfBytes, out ulong totalNumberOfFreeBytes, DokanFileInfo info)
    {
        FsStats stats = new();
        var status = Run(nameof(GetDiskFreeSpace), "\\", info, async ct =>
        {
            stats = await _fs.StatFsAsync(IFileSystem.RootInode, ct).ConfigureAwait(false);
            return NtStatus.Success;
        });
        freeBytesAvailable = (ulong)(stats.AvailableBlocks * stats.BlockSize);
        totalNumberOfBytes = (ulong)(stats.TotalBlocks * stats.BlockSize);
        totalNumberOfFreeBytes = (ulong)(stats.FreeBlocks * stats.BlockSize);
        return status;
    }

    /// <summary>
    /// GetVolumeInformation: the volume name from the options, file system "S3Fs", the core's name length limit, and
    /// flags: names keep their case, Unicode names, ACLs (the permission bits), case-sensitive search on a
    /// case-sensitive mount, read-only volume on a read-only mount.
    /// </summary>
    public NtStatus GetVolumeInformation(out VolumeInformation volume, DokanFileInfo info)
    {
        FsStats stats = new();
        var status = Run(nameof(GetVolumeInformation), "\\", info, async ct =>
        {
            stats = await _fs.StatFsAsync(IFileSystem.RootInode, ct).ConfigureAwait(false);
            return NtStatus.Success;
        });
        var flags = WinNT.FILE_CASE_PRESERVED_NAMES | WinNT.FILE_UNICODE_ON_DISK | WinNT.FILE_PERSISTENT_ACLS;
        if (!_options.CaseInsensitive)
        {
            flags |= WinNT.FILE_CASE_SENSITIVE_SEARCH;
        }

        if (_options.ReadOnly)
        {
            flags |= WinNT.FILE_READ_ONLY_VOLUME;
        }

        volume = new VolumeInformation(_options.VolumeName, _options.EffectiveSerialNumber, (uint)stats.MaxNameLength, flags, FileSystemName);
        return status;
    }

    private async ValueTask SetModeAsync(OpenFile file, uint mode, DokanFileInfo info, CancellationToken ct)
    {
        if (_options.ReadOnly)
        {
            throw new FsException(FsErrorCode.ReadOnly, "the volume is mounted read-only");
        }

        await _fs.SetAttrAsync(file.Inode, new SetAttrRequest { Mode = mode }, file.CoreHandle, Caller(info), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Windows attributes for core attributes: directory, read-only (no owner write bit, or a link placeholder),
    /// hidden (a dot name, when configured), else FILE_ATTRIBUTE_NORMAL (which must stand alone).
    /// </summary>
    private uint WindowsAttributes(FileAttributes attributes, string windowsName, bool linkPlaceholder)
    {
        uint result = 0;
        if (attributes.Kind == FileKind.Directory)
        {
            result |= WinNT.FILE_ATTRIBUTE_DIRECTORY;
        }
        else if (linkPlaceholder || IsReadOnly(attributes))
        {
            result |= WinNT.FILE_ATTRIBUTE_READONLY;
        }

        if (_options.HideDotFiles && windowsName.StartsWith('.'))
        {
            result |= WinNT.FILE_ATTRIBUTE_HIDDEN;
        }

        return result == 0 ? WinNT.FILE_ATTRIBUTE_NORMAL : result;
    }

    /// <summary>S3Fs keeps no birth time: the earlier of mtime and ctime is the best stand-in (Samba does the same).</summary>
    private static DateTimeOffset CreationTime(FileAttributes attributes) =>
        attributes.MTime < attributes.CTime ? attributes.MTime : attributes.CTime;
}
