namespace S3Fs.Core.Maintenance;

/// <summary>What a maintenance task made of one object.</summary>
public enum OutcomeKind
{
    /// <summary>Rewritten (or, in a dry run, would be): re-keyed, encrypted. Verify reports a good object as Unchanged.</summary>
    Changed,

    /// <summary>Nothing to do: already in the wanted state (this is what makes a second run a no-op).</summary>
    Unchanged,

    /// <summary>Worth a line but not a failure, e.g. a plain object in an encrypted volume found by verify.</summary>
    Warning,

    /// <summary>The object itself is bad or unusable: fails authentication, malformed envelope, key not configured.</summary>
    Invalid,

    /// <summary>The operation failed on this object (a request failed, the object changed meanwhile); it was left as it was.</summary>
    Error,
}

/// <summary>
/// The result for one object, as reported to the user. <see cref="Detail"/> is a complete, actionable sentence
/// fragment (what happened or what is wrong, and what to do); it never contains key material.
/// </summary>
/// <param name="Key">The full object key.</param>
/// <param name="Path">The key relative to the mount prefix, as the user names files.</param>
/// <param name="Kind">What became of the object.</param>
/// <param name="Detail">What was done or found, and what to do about it.</param>
public sealed record ObjectOutcome(string Key, string Path, OutcomeKind Kind, string Detail);
