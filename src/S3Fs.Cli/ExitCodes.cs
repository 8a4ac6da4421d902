namespace S3Fs.Cli;

/// <summary>Exit statuses of <c>s3cfs</c>, documented in docs/CONFIGURATION.md.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The operation failed (S3, keys, I/O); the message says why.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or options; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary><c>verify</c> found objects that fail authentication or cannot be decrypted.</summary>
    public const int IntegrityProblems = 3;

    /// <summary>Interrupted (SIGINT/SIGTERM) before finishing; safe to run again.</summary>
    public const int Interrupted = 130;
}
