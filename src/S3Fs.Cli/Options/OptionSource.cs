namespace S3Fs.Cli.Options;

/// <summary>Where a value came from, for messages: <c>photos.conf:12</c> or <c>command line (-o)</c>.</summary>
internal readonly record struct OptionSource(string Origin, int Line)
{
    public static OptionSource CommandLine => new("command line (-o)", 0);

    public override string ToString() => Line > 0 ? $"{Origin}:{Line}" : Origin;
}

/// <summary>A raw <c>key = value</c> as read, before typing.</summary>
internal sealed record RawOption(string Key, string Value, OptionSource Source, bool HasValue);

/// <summary>One problem with the options: where, what, and what to do.</summary>
internal sealed record OptionError(OptionSource Source, string Message, string? Remedy = null)
{
    public override string ToString() => Remedy is null ? $"{Source}: {Message}" : $"{Source}: {Message}; {Remedy}";
}

/// <summary>All problems found in a set of options. Reported together so a user fixes them in one pass.</summary>
internal sealed class OptionsException : Exception
{
    public OptionsException(IReadOnlyList<OptionError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
    {
        Errors = errors;
    }

    public OptionsException(OptionError error)
        : this([error])
    {
    }

    public OptionsException()
        : this([])
    {
    }

    public OptionsException(string message)
        : this([new OptionError(default, message)])
    {
    }

    public OptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new OptionError(default, message)];
    }

    public IReadOnlyList<OptionError> Errors { get; }
}
