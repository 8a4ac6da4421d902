using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Cli.Options;

namespace S3Fs.Cli.Logging;

/// <summary>Builds the logger factory of a command from log_level and log_file.</summary>
internal static class LoggingSetup
{
    public static LogLevel LevelOf(OptionSet options) => (options.GetText("log_level") ?? "info") switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "none" => LogLevel.None,
        _ => LogLevel.Information,
    };

    /// <summary>To syslog if set, else to log_file, else to <paramref name="fallbackFile"/> if given, else to standard error.</summary>
    public static ILoggerFactory Create(OptionSet options, string? fallbackFile = null)
    {
        var level = LevelOf(options);
        if (level == LogLevel.None)
        {
            return NullLoggerFactory.Instance;
        }

        if (options.GetBoolean("syslog") == true)
        {
            var syslog = new SyslogLoggerProvider(level);
            return LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(syslog));
        }

        var file = options.GetPath("log_file") ?? fallbackFile;
        ILoggerProvider provider;
        try
        {
            provider = file is null ? new LineLoggerProvider(Console.Error, level, ownsWriter: false) : LineLoggerProvider.ToFile(file, level);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionsException(new OptionError(options.SourceOf("log_file") ?? default, $"cannot open log file {file}: {e.Message}", "choose a writable path"));
        }

        return LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(provider));
    }
}
