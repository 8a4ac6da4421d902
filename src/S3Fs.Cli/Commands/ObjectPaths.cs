namespace S3Fs.Cli.Commands;

/// <summary>Paths in the bucket as commands take them: relative to the mount root, '/'-separated, no '.' or '..'.</summary>
internal static class ObjectPaths
{
    /// <summary>
    /// "a/b.txt" and "/a/b.txt" → "a/b.txt"; "a/" → "a/&lt;defaultName&gt;" when a default name is given.
    /// Throws <see cref="UsageException"/> for empty, '.' or '..' components.
    /// </summary>
    public static string Normalize(string path, string? defaultName)
    {
        var p = path.Replace('\\', '/').TrimStart('/');
        if (p.EndsWith('/') || p.Length == 0)
        {
            if (defaultName is null)
            {
                throw new UsageException($"'{path}' names a folder; give a file path");
            }

            p += defaultName;
        }

        if (p.Split('/').Any(c => c.Length == 0 || c == "." || c == ".."))
        {
            throw new UsageException($"'{path}' has an empty, '.' or '..' component");
        }

        if (p.StartsWith(".s3cfs/", StringComparison.Ordinal))
        {
            throw new UsageException("'.s3cfs/' holds the volume's own metadata; choose another path");
        }

        return p;
    }
}
