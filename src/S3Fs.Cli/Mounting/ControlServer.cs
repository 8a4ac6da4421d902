using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using S3Fs.Cli.Diagnostics;

namespace S3Fs.Cli.Mounting;

/// <summary>
/// A Unix socket beside the mount's pid file through which <c>s3cfs stats</c> asks a running mount for its counters.
/// One request per connection: the line "stats" is answered with one JSON document. The socket is created with
/// mode 0600 (only the mount's owner may ask); it carries no secrets either way.
/// </summary>
internal sealed partial class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    private readonly Func<MountStats> _stats;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ControlServer(Socket listener, string path, Func<MountStats> stats, ILogger logger)
    {
        _listener = listener;
        _path = path;
        _stats = stats;
        _logger = logger;
        _loop = AcceptLoopAsync();
    }

    public static ControlServer Start(string path, Func<MountStats> stats, ILogger logger)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(8);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new ControlServer(listener, path, stats, logger);
    }

    /// <summary>Asks the mount behind <paramref name="path"/> for its statistics.</summary>
    public static async Task<MountStats> QueryAsync(string path, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        await socket.SendAsync("stats\n"u8.ToArray(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await received.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        }

        return JsonSerializer.Deserialize<MountStats>(received.ToArray())
            ?? throw new IOException($"the mount answered an empty document on {path}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        File.Delete(_path);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            try
            {
                using (client)
                {
                    await AnswerAsync(client).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                LogRequestFailed(_logger, e.Message);
            }
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var buffer = new byte[64];
        var n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        var request = Encoding.ASCII.GetString(buffer, 0, n).Trim();
        var answer = request == "stats"
            ? JsonSerializer.SerializeToUtf8Bytes(_stats())
            : Encoding.UTF8.GetBytes($"{{\"error\":\"unknown request '{request.Replace("\"", string.Empty, StringComparison.Ordinal)}'\"}}");
        await client.SendAsync(answer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        client.Shutdown(SocketShutdown.Send);
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "A control request failed: {Message}")]
    private static partial void LogRequestFailed(ILogger logger, string message);
}
