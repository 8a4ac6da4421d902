using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using S3Fs.Cli.Logging;
using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Logging;

public sealed class LoggingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("s3cfs-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Syslog_SendsRfc3164DatagramWithPriorityAndTag()
    {
        var path = Path.Combine(_dir, "log.sock");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(path));
        using (var provider = new SyslogLoggerProvider(LogLevel.Information, path))
        {
            var logger = provider.CreateLogger("S3Fs.Mount");
            logger.LogWarning(new EventId(7, "x"), "disk cache {State}", "full");
            logger.LogDebug("below the level, not sent");
        }

        var buffer = new byte[4096];
        receiver.ReceiveTimeout = 5000;
        var n = receiver.Receive(buffer);
        var text = Encoding.UTF8.GetString(buffer, 0, n);
        Assert.Matches(@"^<28>s3cfs\[\d+\]: Mount\[7\]: disk cache full$", text); // daemon(3)*8 + warning(4)
        receiver.Blocking = false;
        Assert.Throws<SocketException>(() => receiver.Receive(buffer));
    }

    [Fact]
    public void Syslog_WithoutDaemon_DropsQuietly()
    {
        using var provider = new SyslogLoggerProvider(LogLevel.Information, Path.Combine(_dir, "nobody-listens"));
        provider.CreateLogger("x").LogError("lost, but no exception");
    }

    [Fact]
    public void LogFile_AppendsLinesAtOrAboveTheLevel()
    {
        var file = Path.Combine(_dir, "sub", "s3cfs.log");
        var options = OptionSet.Build(OptionsReader.ParseFileText($"log_level = warning\nlog_file = {file}\n", "l.conf"), [], _dir);
        using (var factory = LoggingSetup.Create(options))
        {
            var logger = factory.CreateLogger("S3Fs.FileSystem");
            logger.LogInformation("not written");
            logger.LogError("upload of {Key} failed", "a/b");
        }

        var lines = File.ReadAllLines(file);
        var line = Assert.Single(lines);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error FileSystem\[0\]: upload of a/b failed$", line);
    }

    [Fact]
    public void LogFile_Unwritable_IsAnOptionsError()
    {
        var options = OptionSet.Build(OptionsReader.ParseFileText("log_file = /proc/s3cfs-cannot-write/x.log\n", "l.conf"), [], _dir);
        var e = Assert.Throws<OptionsException>(() => LoggingSetup.Create(options));
        Assert.Contains("l.conf:1: cannot open log file", e.Errors[0].ToString());
    }
}
