namespace S3Fs.Cli.Options;

/// <summary>
/// One entry of the options vocabulary. The same definition serves the options file, <c>-o key=value</c> on the
/// command line and fstab, the error messages, and docs/CONFIGURATION.md (a test keeps the two in step).
/// </summary>
internal sealed record OptionDefinition(string Name, OptionKind Kind, string Description)
{
    /// <summary>The default as shown to users ("none" when absent).</summary>
    public string? Default { get; init; }

    /// <summary>An example value for the docs.</summary>
    public string? Example { get; init; }

    /// <summary>Accepted words for <see cref="OptionKind.Choice"/>.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Whether the value may be a comma-separated list (only in files: on the command line commas separate options).</summary>
    public bool IsList { get; init; }

    /// <summary>
    /// Options that name secrets must never carry them inline. Such options take a path, and the file is checked
    /// for permissions when it is read.
    /// </summary>
    public bool NamesSecret { get; init; }
}
