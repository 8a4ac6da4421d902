using System.Globalization;
using Microsoft.Extensions.Logging;

namespace S3Fs.Cli.Logging;

/// <summary>
/// Writes one line per message, "time level category[event]: message", to standard error or an append-only file.
/// Thread-safe; the file is opened once and flushed after every line so a crash loses nothing already logged.
/// The messages themselves never carry secrets: nothing in S3Fs formats key material (a test scans for it).
/// </summary>
internal sealed class LineLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly LogLevel _minimum;
    private readonly Lock _lock = new();

    public LineLoggerProvider(TextWriter writer, LogLevel minimum, bool ownsWriter)
    {
        _writer = writer;
        _minimum = minimum;
        _ownsWriter = ownsWriter;
    }

    public static LineLoggerProvider ToFile(string path, LogLevel minimum)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new LineLoggerProvider(new StreamWriter(stream) { AutoFlush = true }, minimum, ownsWriter: true);
    }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose()
    {
        if (_ownsWriter)
        {
            lock (_lock)
            {
                _writer.Dispose();
            }
        }
    }

    private void Write(LogLevel level, string category, EventId id, string message, Exception? exception)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {LevelName(level)} {Short(category)}[{id.Id}]: {message}");
        lock (_lock)
        {
            _writer.WriteLine(line);
            if (exception is not null && level >= LogLevel.Error)
            {
                _writer.WriteLine("    " + exception.GetType().Name + ": " + exception.Message);
            }

            _writer.Flush();
        }
    }

    private static string Short(string category) => category.StartsWith("S3Fs.", StringComparison.Ordinal) ? category[5..] : category;

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}
