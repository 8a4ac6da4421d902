namespace S3Fs.Cli.Mounting;

/// <summary>Reads /proc/self/mounts to tell whether a directory is a mount point, and of which type.</summary>
internal static class MountTable
{
    /// <summary>The filesystem type mounted at <paramref name="path"/>, or null when it is not a mount point.</summary>
    public static string? TypeAt(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Length == 0)
        {
            full = "/";
        }

        string? type = null;
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length >= 3 && Unescape(fields[1]) == full)
            {
                type = fields[2]; // the last mount on a path is the visible one
            }
        }

        return type;
    }

    /// <summary>/proc/mounts escapes space, tab, newline and backslash as octal (\040 ...).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }
}
