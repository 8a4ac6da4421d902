namespace S3Fs.Cli.Options;

/// <summary>
/// Reads raw options from the two textual sources. Options file: one <c>key = value</c> per line; blank lines and
/// lines starting with <c>#</c> are ignored; a <c>#</c> preceded by whitespace starts a trailing comment; a bare
/// <c>key</c> is shorthand for <c>key = true</c>. Command line and fstab: <c>-o key=value,key2=value2</c>.
/// Typing and validation happen in <see cref="OptionSet"/>.
/// </summary>
internal static class OptionsReader
{
    /// <summary>Options files are small; anything bigger is not an options file.</summary>
    private const long MaxFileBytes = 1 << 20;

    public static IReadOnlyList<RawOption> ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new OptionsException(new OptionError(new OptionSource(path, 0), "options file not found", "check the path, or create it (see docs/CONFIGURATION.md)"));
        }

        if (info.Length > MaxFileBytes)
        {
            throw new OptionsException(new OptionError(new OptionSource(path, 0), $"options file is {info.Length} bytes; an options file is at most 1 MiB", "is this the right file?"));
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionsException(new OptionError(new OptionSource(path, 0), $"cannot read the options file: {e.Message}", "check its permissions"));
        }

        return ParseFileText(text, path);
    }

    public static IReadOnlyList<RawOption> ParseFileText(string text, string origin)
    {
        var result = new List<RawOption>();
        var errors = new List<OptionError>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var source = new OptionSource(origin, i + 1);
            var line = StripComment(lines[i].TrimEnd('\r')).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                if (line.Contains(' ', StringComparison.Ordinal) || line.Contains(':', StringComparison.Ordinal))
                {
                    errors.Add(new OptionError(source, $"'{line}' is not a 'key = value' line", "write options as key = value, one per line"));
                    continue;
                }

                result.Add(new RawOption(line, "true", source, HasValue: false));
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (key.Length == 0)
            {
                errors.Add(new OptionError(source, "a line starts with '=' and has no option name", "write options as key = value"));
                continue;
            }

            result.Add(new RawOption(key, value, source, HasValue: true));
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(errors);
        }

        return result;
    }

    /// <summary>Parses the argument of one <c>-o</c> (comma-separated; several <c>-o</c> may be given).</summary>
    public static IReadOnlyList<RawOption> ParseCommandLine(string optionsArgument)
    {
        var result = new List<RawOption>();
        foreach (var part in optionsArgument.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            result.Add(eq < 0
                ? new RawOption(part, "true", OptionSource.CommandLine, HasValue: false)
                : new RawOption(part[..eq].Trim(), part[(eq + 1)..].Trim(), OptionSource.CommandLine, HasValue: true));
        }

        return result;
    }

    private static string StripComment(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#'))
        {
            return string.Empty;
        }

        for (var i = 1; i < line.Length; i++)
        {
            if (line[i] == '#' && char.IsWhiteSpace(line[i - 1]))
            {
                return line[..i];
            }
        }

        return line;
    }
}
