namespace S3Fs.Cli.Options;

/// <summary>How an option's value is parsed and validated.</summary>
internal enum OptionKind
{
    /// <summary>Free text (names, ids).</summary>
    Text,

    /// <summary><c>true</c> or <c>false</c>; a bare flag (<c>-o allow_other</c>) means true.</summary>
    Boolean,

    /// <summary>A byte count with an optional unit: <c>65536</c>, <c>64KiB</c>, <c>256MiB</c>, <c>1GiB</c>.</summary>
    Size,

    /// <summary>A non-negative whole number.</summary>
    Integer,

    /// <summary>A duration: <c>30s</c>, <c>5m</c>, <c>250ms</c>, <c>1h</c>, or plain seconds.</summary>
    Duration,

    /// <summary>One of a fixed set of words.</summary>
    Choice,

    /// <summary>A local file path (resolved against the options file's directory when relative).</summary>
    Path,

    /// <summary>A URL.</summary>
    Url,

    /// <summary>An octal permission mask such as <c>022</c> or <c>0644</c>.</summary>
    Octal,

    /// <summary>A master key spec: <c>kms:</c>, <c>file:</c>, <c>passphrase:</c> or <c>rsa:</c>; comma-separated when a list.</summary>
    KeySpec,

    /// <summary>Comma-separated <c>key:value</c> pairs.</summary>
    Map,
}
