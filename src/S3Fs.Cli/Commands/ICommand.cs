namespace S3Fs.Cli.Commands;

/// <summary>One <c>s3cfs</c> subcommand.</summary>
internal interface ICommand
{
    string Name { get; }

    /// <summary>One line for <c>s3cfs --help</c>.</summary>
    string Summary { get; }

    /// <summary>Usage text for <c>s3cfs &lt;command&gt; --help</c> and usage errors.</summary>
    string Usage { get; }

    /// <summary>Flags this command accepts (besides <c>-o</c> and <c>--help</c>).</summary>
    IReadOnlyCollection<string> Flags { get; }

    Task<int> RunAsync(CommandArguments args, CommandContext context, CancellationToken cancellationToken);
}

/// <summary>What a command may use: output streams and the factory that builds stores and keys from options.</summary>
internal sealed record CommandContext(TextWriter Out, TextWriter Error, IServiceFactory Services);
