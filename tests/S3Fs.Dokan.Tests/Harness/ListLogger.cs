using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace S3Fs.Dokan.Tests.Harness;

/// <summary>Collects log entries for assertions.</summary>
public sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new Entry(logLevel, formatter(state, exception), exception));

    public sealed record Entry(LogLevel Level, string Message, Exception? Exception);
}
