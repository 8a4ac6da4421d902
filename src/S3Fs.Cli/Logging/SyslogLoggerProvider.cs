using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace S3Fs.Cli.Logging;

/// <summary>
/// Sends log messages to the local system log (RFC 3164 datagrams on /dev/log, facility daemon, tag "s3cfs"), where
/// journald or rsyslog pick them up. A message that cannot be sent (no syslog daemon) is dropped, never blocking.
/// </summary>
internal sealed class SyslogLoggerProvider : ILoggerProvider
{
    public const string DefaultSocket = "/dev/log";

    /// <summary>Facility 3 (daemon), shifted as RFC 3164 wants: priority = facility * 8 + severity.</summary>
    private const int DaemonFacility = 3 * 8;

    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;
    private readonly LogLevel _minimum;
    private readonly Lock _lock = new();

    public SyslogLoggerProvider(LogLevel minimum, string socketPath = DefaultSocket)
    {
        _minimum = minimum;
        _endpoint = new UnixDomainSocketEndPoint(socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    public ILogger CreateLogger(string categoryName) => new SyslogLogger(this, categoryName);

    public void Dispose() => _socket.Dispose();

    private void Send(LogLevel level, string category, EventId id, string message)
    {
        var severity = level switch
        {
            LogLevel.Critical => 2,
            LogLevel.Error => 3,
            LogLevel.Warning => 4,
            LogLevel.Information => 6,
            _ => 7,
        };
        var text = string.Create(CultureInfo.InvariantCulture, $"<{DaemonFacility + severity}>s3cfs[{Environment.ProcessId}]: {category}[{id.Id}]: {message}");
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (_lock)
        {
            try
            {
                _socket.SendTo(bytes, SocketFlags.None, _endpoint);
            }
            catch (SocketException)
            {
                // No syslog daemon listening: logging must never take the filesystem down.
            }
        }
    }

    private sealed class SyslogLogger(SyslogLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var message = formatter(state, exception);
                if (exception is not null && logLevel >= LogLevel.Error)
                {
                    message += $" ({exception.GetType().Name}: {exception.Message})";
                }

                provider.Send(logLevel, category.StartsWith("S3Fs.", StringComparison.Ordinal) ? category[5..] : category, eventId, message);
            }
        }
    }
}
