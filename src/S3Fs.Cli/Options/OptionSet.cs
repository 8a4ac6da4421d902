namespace S3Fs.Cli.Options;

/// <summary>
/// Typed option values from all sources, validated one by one against <see cref="OptionSchema"/>. Command-line
/// values override file values. Every problem is collected and reported together with its file and line.
/// Cross-option rules (conflicts, requirements) live in the binders that build settings records.
/// </summary>
internal sealed class OptionSet
{
    private readonly Dictionary<string, (object Value, OptionSource Source)> _values = new(StringComparer.Ordinal);

    private OptionSet(string? baseDirectory)
    {
        BaseDirectory = baseDirectory;
    }

    /// <summary>Directory relative paths are resolved against: the options file's directory.</summary>
    public string? BaseDirectory { get; }

    /// <summary>Reads the options file (if any) and applies command-line options over it.</summary>
    public static OptionSet Load(string? optionsFile, IEnumerable<RawOption> commandLine)
    {
        var fileOptions = optionsFile is null ? [] : OptionsReader.ReadFile(optionsFile);
        var baseDir = optionsFile is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(optionsFile));
        return Build(fileOptions, commandLine, baseDir);
    }

    public static OptionSet Build(IEnumerable<RawOption> fileOptions, IEnumerable<RawOption> commandLine, string? baseDirectory)
    {
        var set = new OptionSet(baseDirectory);
        var errors = new List<OptionError>();
        set.Apply(fileOptions, errors, rejectDuplicates: true);
        set.Apply(commandLine, errors, rejectDuplicates: false);
        if (errors.Count > 0)
        {
            throw new OptionsException(errors);
        }

        return set;
    }

    public bool IsSet(string name) => _values.ContainsKey(Known(name).Name);

    public OptionSource? SourceOf(string name) => _values.TryGetValue(Known(name).Name, out var v) ? v.Source : null;

    public string? GetText(string name) => Get<string>(name, OptionKind.Text, OptionKind.Choice, OptionKind.KeySpec);

    public string? GetPath(string name) => Get<string>(name, OptionKind.Path);

    public bool? GetBoolean(string name) => Get<bool?>(name, OptionKind.Boolean);

    public long? GetSize(string name) => Get<long?>(name, OptionKind.Size);

    public long? GetInteger(string name) => Get<long?>(name, OptionKind.Integer);

    public TimeSpan? GetDuration(string name) => Get<TimeSpan?>(name, OptionKind.Duration);

    public uint? GetOctal(string name) => Get<uint?>(name, OptionKind.Octal);

    public Uri? GetUrl(string name) => Get<Uri>(name, OptionKind.Url);

    public IReadOnlyDictionary<string, string>? GetMap(string name) => Get<IReadOnlyDictionary<string, string>>(name, OptionKind.Map);

    public IReadOnlyList<string> GetList(string name) => Get<IReadOnlyList<string>>(name, OptionKind.KeySpec, OptionKind.Text) ?? [];

    private static OptionDefinition Known(string name) =>
        OptionSchema.Find(name) ?? throw new InvalidOperationException($"'{name}' is not in the option schema");

    private T? Get<T>(string name, params OptionKind[] kinds)
    {
        var def = Known(name);
        if (!kinds.Contains(def.Kind))
        {
            throw new InvalidOperationException($"option '{name}' is {def.Kind}, not {string.Join("/", kinds)}");
        }

        return _values.TryGetValue(def.Name, out var v) ? (T)v.Value : default;
    }

    private void Apply(IEnumerable<RawOption> options, List<OptionError> errors, bool rejectDuplicates)
    {
        var seen = new Dictionary<string, OptionSource>(StringComparer.Ordinal);
        foreach (var raw in options)
        {
            var def = OptionSchema.Find(raw.Key);
            if (def is null)
            {
                var suggestion = OptionSchema.Suggest(raw.Key);
                errors.Add(new OptionError(
                    raw.Source,
                    $"unknown option '{raw.Key}'",
                    suggestion is null ? "see docs/CONFIGURATION.md for the option names" : $"did you mean '{suggestion}'?"));
                continue;
            }

            if (rejectDuplicates && seen.TryGetValue(def.Name, out var first))
            {
                errors.Add(new OptionError(raw.Source, $"'{def.Name}' is set twice (first at {first})", "keep one of the two lines"));
                continue;
            }

            seen[def.Name] = raw.Source;
            if (!raw.HasValue && def.Kind != OptionKind.Boolean)
            {
                errors.Add(new OptionError(raw.Source, $"'{def.Name}' needs a value", Example(def)));
                continue;
            }

            if (TryConvert(def, raw.Value, out var value, out var error))
            {
                _values[def.Name] = (value!, raw.Source);
            }
            else
            {
                errors.Add(new OptionError(raw.Source, $"bad value for '{def.Name}': {error}", Example(def)));
            }
        }
    }

    private static string? Example(OptionDefinition def) => def.Example is null ? null : $"for example: {def.Name} = {def.Example}";

    private bool TryConvert(OptionDefinition def, string text, out object? value, out string? error)
    {
        value = null;
        error = null;
        if (text.Length == 0)
        {
            error = "the value is empty";
            return false;
        }

        switch (def.Kind)
        {
            case OptionKind.Text:
                value = def.IsList ? SplitList(text) : text;
                return true;
            case OptionKind.Boolean:
                {
                    var ok = ValueParsers.TryParseBoolean(text, out var b, out error);
                    value = b;
                    return ok;
                }

            case OptionKind.Size:
                {
                    var ok = ValueParsers.TryParseSize(text, out var s, out error);
                    value = s;
                    return ok;
                }

            case OptionKind.Integer:
                {
                    var ok = ValueParsers.TryParseInteger(text, out var n, out error);
                    value = n;
                    return ok;
                }

            case OptionKind.Duration:
                {
                    var ok = ValueParsers.TryParseDuration(text, out var d, out error);
                    value = d;
                    return ok;
                }

            case OptionKind.Octal:
                {
                    var ok = ValueParsers.TryParseOctal(text, out var o, out error);
                    value = o;
                    return ok;
                }

            case OptionKind.Url:
                {
                    var ok = ValueParsers.TryParseUrl(text, out var u, out error);
                    value = u;
                    return ok;
                }

            case OptionKind.Map:
                {
                    var ok = ValueParsers.TryParseMap(text, out var m, out error);
                    value = m;
                    return ok;
                }

            case OptionKind.Choice:
                {
                    var word = text.Trim().ToLowerInvariant();
                    if (def.Choices.Contains(word))
                    {
                        value = word;
                        return true;
                    }

                    error = $"'{text}' is not one of: {string.Join(", ", def.Choices)}";
                    return false;
                }

            case OptionKind.Path:
                value = ResolvePath(text);
                return true;
            case OptionKind.KeySpec:
                value = def.IsList ? SplitList(text) : text.Trim();
                return true;
            default:
                throw new InvalidOperationException($"unhandled option kind {def.Kind}");
        }
    }

    private string ResolvePath(string text)
    {
        var expanded = text.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text[2..])
            : text;
        return Path.IsPathRooted(expanded) || BaseDirectory is null ? expanded : Path.GetFullPath(Path.Combine(BaseDirectory, expanded));
    }

    private static string[] SplitList(string text) => ValueParsers.SplitList(text);
}
