namespace S3Fs.Core.Maintenance;

/// <summary>How <see cref="Migrator"/> rewrites plain objects.</summary>
public sealed record MigrateOptions
{
    /// <summary>List what would be encrypted (checking the metadata budget) and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Part sizes and buffer limits of the streamed rewrite.</summary>
    public StreamingOptions Streaming { get; init; } = new();
}
