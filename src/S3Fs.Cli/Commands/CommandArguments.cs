using S3Fs.Cli.Options;

namespace S3Fs.Cli.Commands;

/// <summary>
/// The arguments of one command after the command name: positionals, <c>-o key=value[,...]</c> (repeatable),
/// and <c>--flags</c>. Unknown flags are errors, reported with the command's usage.
/// </summary>
internal sealed class CommandArguments
{
    private readonly HashSet<string> _flags;

    private CommandArguments(IReadOnlyList<string> positionals, IReadOnlyList<RawOption> options, HashSet<string> flags)
    {
        Positionals = positionals;
        Options = options;
        _flags = flags;
    }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Options given with <c>-o</c>; they override the options file.</summary>
    public IReadOnlyList<RawOption> Options { get; }

    public bool Has(string flag) => _flags.Contains(flag);

    /// <summary>Parses; throws <see cref="UsageException"/> for an unknown flag or a dangling <c>-o</c>.</summary>
    public static CommandArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> allowedFlags)
    {
        var positionals = new List<string>();
        var options = new List<RawOption>();
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var onlyPositionals = false;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (onlyPositionals)
            {
                positionals.Add(a);
            }
            else if (a == "--")
            {
                onlyPositionals = true;
            }
            else if (a == "-o")
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException("-o needs a value, such as -o region=eu-west-1");
                }

                options.AddRange(OptionsReader.ParseCommandLine(args[++i]));
            }
            else if (a.StartsWith("-o", StringComparison.Ordinal) && a.Length > 2)
            {
                options.AddRange(OptionsReader.ParseCommandLine(a[2..]));
            }
            else if (a.StartsWith('-') && a.Length > 1)
            {
                var flag = a == "-f" ? "--foreground" : a == "-h" ? "--help" : a;
                if (!allowedFlags.Contains(flag) && flag != "--help")
                {
                    throw new UsageException($"unknown flag '{a}'");
                }

                flags.Add(flag);
            }
            else
            {
                positionals.Add(a);
            }
        }

        return new CommandArguments(positionals, options, flags);
    }
}

/// <summary>The command line itself is wrong: exit code 2 and the command's usage.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
