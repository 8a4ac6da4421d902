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
    ];

    private static readonly Dictionary<string, OptionDefinition> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

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
