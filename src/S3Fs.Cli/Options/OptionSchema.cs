namespace S3Fs.Cli.Options;

/// <summary>
/// The whole options vocabulary, in the order docs/CONFIGURATION.md lists it. One vocabulary, three sources:
/// the options file, <c>-o key=value</c> on the command line, and the options field of an fstab line.
/// </summary>
internal static class OptionSchema
{
    public static readonly IReadOnlyList<OptionDefinition> All =
    [
        // --- connection ---------------------------------------------------------------------------------
        new("bucket", OptionKind.Text, "The S3 bucket to mount. Required.") { Example = "photos" },
        new("prefix", OptionKind.Text, "Mount only the objects under this key prefix (a folder of the bucket). A trailing '/' is implied.")
        {
            Default = "none (the whole bucket)",
            Example = "2024/holidays",
        },
        new("endpoint", OptionKind.Url, "S3 endpoint URL for S3-compatible servers (Ceph RGW, MinIO...). Without a scheme, https:// is used.")
        {
            Default = "AWS S3 for the region",
            Example = "http://127.0.0.1:7480",
        },
        new("region", OptionKind.Text, "Region used for signing and, with AWS, for the endpoint.")
        {
            Default = "from the SDK (AWS_REGION, profile), else us-east-1",
            Example = "eu-west-1",
        },
        new("path_style", OptionKind.Boolean, "Address the bucket as https://endpoint/bucket instead of https://bucket.endpoint (most S3-compatible servers need true).")
        {
            Default = "false for AWS, true when endpoint is set",
            Example = "true",
        },
        new("profile", OptionKind.Text, "Named profile from ~/.aws/credentials and ~/.aws/config. Without it, credentials come from the SDK's default chain (environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile 'default', instance roles).")
        {
            Default = "the SDK's default chain",
            Example = "backup",
        },
        new("checksums", OptionKind.Choice, "When the SDK adds request checksums. 'when_required' is needed by servers that reject trailing checksums (Ceph RGW 16 and other S3-compatible servers).")
        {
            Choices = ["when_supported", "when_required"],
            Default = "when_supported (or AWS_REQUEST_CHECKSUM_CALCULATION)",
            Example = "when_required",
        },
        new("upload_part_copy", OptionKind.Choice, "Whether the server supports UploadPartCopy (used to keep unchanged ranges of a large file server-side when part of it changes). 'auto' probes it once at startup.")
        {
            Choices = ["auto", "true", "false"],
            Default = "auto",
            Example = "false",
        },
        new("conditional_writes", OptionKind.Choice, "Whether the server honours If-Match / If-None-Match on writes (used to avoid overwriting a concurrent creation). 'auto' probes it once at startup.")
        {
            Choices = ["auto", "true", "false"],
            Default = "auto",
            Example = "auto",
        },
        new("allow_http_sse_c", OptionKind.Boolean, "Allow SSE-C customer keys to be sent over plain http:// (only for a local test server: anyone on the path sees the key).")
        {
            Default = "false",
            Example = "true",
        },
        new("request_timeout", OptionKind.Duration, "Time limit of one S3 request attempt (a timed-out attempt is retried).")
        {
            Default = "60s",
            Example = "30s",
        },
        new("retries", OptionKind.Integer, "Attempts per S3 request, the first included, for throttling (503 SlowDown), server errors, timeouts and connection resets; backoff is exponential with jitter.")
        {
            Default = "5",
            Example = "8",
        },
        new("max_connections", OptionKind.Integer, "S3 requests in flight at once for the whole mount.")
        {
            Default = "64",
            Example = "32",
        },

        // --- server-side encryption --------------------------------------------------------------------
        new("sse", OptionKind.Choice, "Server-side encryption S3 applies to what we store: 's3' (SSE-S3, keys managed by S3), 'kms' (SSE-KMS), 'c' (SSE-C, a key you provide with every request), or 'none'. Independent of, and combinable with, client-side encryption.")
        {
            Choices = ["none", "s3", "kms", "c"],
            Default = "none",
            Example = "kms",
        },
        new("sse_kms_key_id", OptionKind.Text, "SSE-KMS key id, ARN or alias (with sse = kms).")
        {
            Default = "the bucket's default KMS key",
            Example = "alias/photos-bucket",
        },
        new("sse_kms_context", OptionKind.Map, "SSE-KMS encryption context pairs (with sse = kms).")
        {
            Default = "none",
            Example = "team:photos",
        },
        new("sse_bucket_key", OptionKind.Boolean, "Ask S3 to use an S3 Bucket Key for SSE-KMS, which cuts S3's calls to KMS by up to 99% (with sse = kms).")
        {
            Default = "false",
            Example = "true",
        },
        new("sse_c_key", OptionKind.Path, "File holding the SSE-C customer key (with sse = c): 32 random bytes, or one line of 64 hex digits or 44 base64 characters, readable only by its owner. Over http:// it needs allow_http_sse_c.")
        {
            Example = "/etc/s3cfs/photos.ssec",
            NamesSecret = true,
        },
        new("sse_c_old_keys", OptionKind.Text, "Older SSE-C key files, tried when the current key does not open an object (after a rotation, until 's3cfs rekey' has re-keyed everything).")
        {
            IsList = true,
            Default = "none",
            Example = "/etc/s3cfs/photos-2024.ssec",
            NamesSecret = true,
        },

        // --- encryption ---------------------------------------------------------------------------------
        new("encryption", OptionKind.Choice, "'client' encrypts every file before it leaves this machine (format v1, see docs/FILE-FORMAT.md); 'none' stores files as plain objects. Plain objects already in the bucket are readable either way.")
        {
            Choices = ["client", "none"],
            Default = "client",
            Example = "client",
        },
        new("master_key", OptionKind.KeySpec, "The master key that wraps the data keys of new files: kms:<key id, ARN or alias>, file:<path> (a 256-bit key made by 's3cfs keygen'), passphrase:<path> (a file holding the passphrase), or rsa:<path> (a PEM private key, or a public key for a mount that may write but not read). Required with encryption = client.")
        {
            Example = "file:/etc/s3cfs/photos.key",
            NamesSecret = true,
        },
        new("old_keys", OptionKind.KeySpec, "Older master keys, used only to read files whose data keys they wrapped (after a rotation, until 's3cfs rekey' has re-wrapped everything). Separate several with ',' in a file or ';' on the command line.")
        {
            IsList = true,
            Default = "none",
            Example = "file:/etc/s3cfs/photos-2024.key",
            NamesSecret = true,
        },
        new("kms_region", OptionKind.Text, "AWS region of the KMS key, when it is not in the key's ARN and differs from 'region'.")
        {
            Default = "the region in the key ARN, else the SDK's default",
            Example = "eu-central-1",
        },
        new("kms_endpoint", OptionKind.Url, "KMS endpoint URL (VPC or FIPS endpoint, or a test server).")
        {
            Default = "AWS KMS for the region",
            Example = "https://kms-fips.us-east-1.amazonaws.com",
        },
        new("kms_context", OptionKind.Map, "Extra KMS encryption context pairs bound to every KMS call, for key policies and CloudTrail (names must not start with 's3cfs:').")
        {
            Default = "none",
            Example = "team:photos;env:prod",
        },
        new("block_size", OptionKind.Size, "Plaintext block size of a new volume (every file of a volume shares it, so listings show exact sizes). An existing volume keeps its own; setting a different value is an error.")
        {
            Default = "64KiB",
            Example = "64KiB",
        },

        // --- mount --------------------------------------------------------------------------------------
        new("read_only", OptionKind.Boolean, "Mount read-only: every change is refused with EROFS, and nothing is ever written to the bucket (not even a probe). 'ro' in fstab means the same.")
        {
            Default = "false",
            Example = "true",
        },
        new("allow_other", OptionKind.Boolean, "Let users other than the one who mounted access the files (permissions are still enforced per file, as on a local filesystem).")
        {
            Default = "false",
            Example = "true",
        },
        new("attributes", OptionKind.Choice, "Where the mode, owner and times of listed names come from. 'exact': each name's stored attributes are read before they are shown (one HEAD per name per mount, 16 in parallel), so chmod, chown, touch, tar and rsync -a times and modes survive a remount. 'listing': from the listing itself (size, type, last-modified time, and the mount's default mode and owner), so a cold 'ls -l' costs one listing request per 1,000 names and no request per name, but files of 4 KiB or more show their upload time and the default mode after a remount (rsync then copies them again); names a listing cannot type (1 to 4095-byte objects may be symlinks) and directories are still read. Not with allow_other, where other users are permission-checked against each file's mode.")
        {
            Choices = ["exact", "listing"],
            Default = "exact",
            Example = "listing",
        },
        new("attribute_index", OptionKind.Boolean, "Keep each listed directory's stored file attributes in one index object under .s3cfs/attrs/ (written after a listing had to read 16 or more files one by one), so that the next mount, here or elsewhere, shows 'ls -l' of that directory with one GET instead of one HEAD per name. An entry is used only for the object version it was read from, so a file changed by any client is read again. Read-only mounts use indexes but never write them.")
        {
            Default = "true",
            Example = "false",
        },
        new("uid", OptionKind.Integer, "Owner shown for files and folders whose object carries no 'uid' attribute.")
        {
            Default = "the user running s3cfs",
            Example = "1000",
        },
        new("gid", OptionKind.Integer, "Group shown for files and folders whose object carries no 'gid' attribute.")
        {
            Default = "the group of the user running s3cfs",
            Example = "1000",
        },
        new("umask", OptionKind.Octal, "Permission bits removed from files (0666) and folders (0777) whose object carries no 'mode' attribute.")
        {
            Default = "022",
            Example = "027",
        },
        new("file_mode", OptionKind.Octal, "Permission bits of files whose object carries no 'mode' attribute (overrides umask for files).")
        {
            Default = "0666 minus umask",
            Example = "0640",
        },
        new("dir_mode", OptionKind.Octal, "Permission bits of folders whose object carries no 'mode' attribute, implicit folders included (overrides umask for folders).")
        {
            Default = "0777 minus umask",
            Example = "0750",
        },
        new("cache_size", OptionKind.Size, "Memory for cached file blocks (plaintext), shared by all files of the mount. Memory use stays within this plus a bounded overhead whatever the file sizes.")
        {
            Default = "256MiB",
            Example = "1GiB",
        },
        new("random_read_fill", OptionKind.Size, "A file no larger than this that is read at random (database files, disk images, archives) is copied whole into the kernel's page cache in the background on Linux, so its reads stop costing a request each: what was not read yet is fetched once in large parallel requests, and a sealed copy in the staging area refills what the kernel drops. Only while no one has it open for writing; plaintext goes to memory only, never to disk. 0 disables.")
        {
            Default = "2GiB",
            Example = "0",
        },
        new("cache_dir", OptionKind.Path, "Directory for an on-disk block cache. It holds ciphertext blocks exactly as stored in S3, never plaintext, keyed by object version so a changed object is never served stale. Dirty data being written is staged here too, never as plaintext: sealed by the file's own cipher as the object will store it (encrypting volumes), or with a key that exists only in memory (plain volumes).")
        {
            Default = "none (no disk cache; staging in /var/tmp/s3cfs)",
            Example = "/var/cache/s3cfs/photos",
        },
        new("cache_dir_size", OptionKind.Size, "Byte budget of the disk cache in cache_dir; least recently used blocks are evicted beyond it.")
        {
            Default = "4GiB",
            Example = "20GiB",
        },
        new("volume_name", OptionKind.Text, "Windows: the volume label Explorer shows for the drive.")
        {
            Default = "the bucket name",
            Example = "Photos",
        },
        new("case_insensitive", OptionKind.Boolean, "Windows: find names regardless of case, as Windows programs expect (S3 keys are case-sensitive; names that differ only in case are shown under an escaped name).")
        {
            Default = "true",
            Example = "false",
        },
        new("dokan_timeout", OptionKind.Duration, "Windows: how long the Dokan driver waits for one request before failing it (slow S3 calls extend it while they run).")
        {
            Default = "30s",
            Example = "60s",
        },
        new("log_level", OptionKind.Choice, "Least severe messages logged. Secrets (keys, passphrases, credentials) are never logged at any level.")
        {
            Choices = ["trace", "debug", "info", "warning", "error", "none"],
            Default = "info",
            Example = "debug",
        },
        new("syslog", OptionKind.Boolean, "Send log messages to the system log (/dev/log: journald or rsyslog, facility daemon, tag s3cfs) instead of standard error or log_file.")
        {
            Default = "false",
            Example = "true",
        },
        new("log_file", OptionKind.Path, "Append log lines to this file instead of standard error (a background mount without log_file logs to /var/log/s3cfs/<mount>.log).")
        {
            Default = "standard error",
            Example = "/var/log/s3cfs/photos.log",
        },
    ];

    private static readonly Dictionary<string, OptionDefinition> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>
    /// Generic mount(8) options that mount.fuse3 and fstab pass along; they concern mount(8), systemd or the kernel,
    /// not s3cfs, and are accepted and ignored (except 'ro' and 'rw', which set read_only).
    /// </summary>
    public static readonly IReadOnlySet<string> GenericMountOptions = new HashSet<string>(StringComparer.Ordinal)
    {
        "defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group", "_netdev", "nofail",
        "suid", "nosuid", "dev", "nodev", "exec", "noexec", "async", "atime", "noatime", "relatime", "norelatime",
        "strictatime", "lazytime", "nolazytime", "diratime", "nodiratime", "silent", "loud", "default_permissions",
        "ro", "rw",
    };

    /// <summary>Whether a name is a generic mount option (including the comment= and x-* families).</summary>
    public static bool IsGenericMountOption(string name) =>
        GenericMountOptions.Contains(name) || name.StartsWith("x-", StringComparison.Ordinal) || name == "comment";

    public static OptionDefinition? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The closest known option name to a misspelt one, or null if none is close.</summary>
    public static string? Suggest(string unknown)
    {
        var u = unknown.ToLowerInvariant().Replace('-', '_');
        if (ByName.ContainsKey(u))
        {
            return u;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in ByName.Keys)
        {
            var d = EditDistance(u, name);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = name;
            }
        }

        // Up to a third of the name may be wrong (two edits at least): 'bukcet' -> 'bucket', 'regoin' -> 'region'.
        var allowed = Math.Max(2, u.Length / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Damerau-Levenshtein (optimal string alignment) distance: transpositions count as one edit.</summary>
    internal static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
