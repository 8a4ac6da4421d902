namespace S3Fs.Cli.Options;

/// <summary>The options that shape a mount (as opposed to where the bucket is and how files are encrypted).</summary>
internal sealed record MountSettings
{
    public bool ReadOnly { get; init; }

    public bool AllowOther { get; init; }

    /// <summary>Listed names show the listing's attributes instead of each one's stored attributes (option 'attributes').</summary>
    public bool AttributesFromListings { get; init; }

    /// <summary>Keep per-directory attribute indexes (option <c>attribute_index</c>).</summary>
    public bool AttributeIndex { get; init; } = true;

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public uint Umask { get; init; } = Convert.ToUInt32("022", 8);

    /// <summary>Explicit file_mode, else null (0666 &amp; ~umask).</summary>
    public uint? FileMode { get; init; }

    public uint? DirMode { get; init; }

    public long? CacheSize { get; init; }

    public string? CacheDir { get; init; }

    public long? CacheDirSize { get; init; }

    /// <summary>random_read_fill: largest file copied into the kernel's page cache when read at random; 0 disables.</summary>
    public long? RandomReadFill { get; init; }

    public static MountSettings Bind(OptionSet options)
    {
        var (uid, gid) = CurrentIds();
        var errors = new List<OptionError>();
        var cacheSize = options.GetSize("cache_size");
        if (cacheSize is < 16L << 20)
        {
            errors.Add(new OptionError(options.SourceOf("cache_size")!.Value, $"cache_size {ValueParsers.FormatSize(cacheSize.Value)} is too small to hold read-ahead windows", "use at least 16MiB (the default is 256MiB)"));
        }

        var uidValue = options.GetInteger("uid");
        var gidValue = options.GetInteger("gid");
        foreach (var (name, value) in new[] { ("uid", uidValue), ("gid", gidValue) })
        {
            if (value is > uint.MaxValue - 1)
            {
                errors.Add(new OptionError(options.SourceOf(name)!.Value, $"{name} {value} is out of range", "use a number below 4294967295"));
            }
        }

        var allowOther = options.GetBoolean("allow_other") ?? false;
        var attributes = options.GetText("attributes");
        if (allowOther && attributes == "listing")
        {
            errors.Add(new OptionError(
                options.SourceOf("attributes")!.Value,
                "attributes = listing cannot be combined with allow_other: other users would be permission-checked against the default mode instead of each file's own",
                "remove 'attributes = listing' (the default, exact, is what allow_other needs)"));
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(errors);
        }

        return new MountSettings
        {
            ReadOnly = options.GetBoolean("read_only") ?? false,
            AllowOther = allowOther,
            AttributesFromListings = attributes switch
            {
                "listing" => true,
                _ => false,
            },
            AttributeIndex = options.GetBoolean("attribute_index") ?? true,
            Uid = (uint?)uidValue ?? uid,
            Gid = (uint?)gidValue ?? gid,
            Umask = options.GetOctal("umask") ?? Convert.ToUInt32("022", 8),
            FileMode = options.GetOctal("file_mode"),
            DirMode = options.GetOctal("dir_mode"),
            CacheSize = cacheSize,
            CacheDir = options.GetPath("cache_dir"),
            CacheDirSize = options.GetSize("cache_dir_size"),
            RandomReadFill = options.GetSize("random_read_fill"),
        };
    }

    /// <summary>The effective uid and gid of this process, read from /proc (no native call needed).</summary>
    internal static (uint Uid, uint Gid) CurrentIds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (0, 0);
        }

        uint uid = 0, gid = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            // "Uid:\treal\teffective\tsaved\tfs"
            var parts = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && parts[0] == "Uid:")
            {
                uid = uint.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (parts.Length >= 3 && parts[0] == "Gid:")
            {
                gid = uint.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (uid, gid);
    }
}
