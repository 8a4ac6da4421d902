using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace S3Fs.Testing.Kms;

/// <summary>
/// One HTTP/1.1 request exactly as it arrived: method, raw request target, header lines in order (names as sent,
/// repeated names kept) and body bytes. Signature verification needs the raw form, which a framework server would
/// normalise away.
/// </summary>
public sealed record RawHttpRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The request path, without the query string.</summary>
    public string Path => Target.Split('?', 2)[0];

    /// <summary>The raw query string without '?', or empty.</summary>
    public string Query => Target.Split('?', 2) is [_, var q] ? q : string.Empty;

    /// <summary>All values of a header joined by ',' (RFC 9110 list semantics), or null when absent.</summary>
    public string? Header(string name)
    {
        var values = Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(',', values);
    }

    /// <summary>A copy with one header replaced (or added), for tamper tests.</summary>
    public RawHttpRequest WithHeader(string name, string value)
    {
        var headers = Headers.Where(h => !string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).ToList();
        headers.Add(new(name, value));
        return this with { Headers = headers };
    }
}

/// <summary>A response to write back: status, JSON body and its content type.</summary>
public sealed record RawHttpResponse(int StatusCode, string ContentType, byte[] Body);

/// <summary>
/// A deliberately small HTTP/1.1 server on 127.0.0.1 and an OS-chosen free port (port 0, so parallel test runs never
/// race for a port). It frames requests (Content-Length bodies, keep-alive, <c>Expect: 100-continue</c>) and hands
/// them, raw, to a handler. Chunked request bodies are refused with 411: AWS SDK JSON requests always carry a length.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    /// <summary>Request heads larger than this are refused: a KMS request head is well under 4 KiB.</summary>
    private const int MaxHeadBytes = 64 * 1024;

    /// <summary>Bodies larger than this are refused: the largest KMS request (Encrypt of 4 KiB) is far smaller.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly Func<RawHttpRequest, Task<RawHttpResponse>> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];

    private LoopbackHttpServer(Func<RawHttpRequest, Task<RawHttpResponse>> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public static LoopbackHttpServer Start(Func<RawHttpRequest, Task<RawHttpResponse>> handler) => new(handler);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections];
        }

        try
        {
            await Task.WhenAll(pending.Append(_acceptLoop)).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Connections torn down by Stop() end with socket or cancellation errors; nothing to report.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            var connection = Task.Run(() => ServeConnectionAsync(client));
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(connection);
            }
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using (client)
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            var reader = new HttpFrameReader(stream);
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    var head = await reader.ReadHeadAsync(MaxHeadBytes, _stopping.Token);
                    if (head is null)
                    {
                        return;
                    }

                    var (method, target, version, headers) = ParseHead(head);
                    var request = new RawHttpRequest(method, target, headers, []);
                    if (request.Header("Transfer-Encoding") is not null)
                    {
                        await WriteResponseAsync(stream, new RawHttpResponse(411, "text/plain", "Length Required"u8.ToArray()), close: true);
                        return;
                    }

                    var length = ParseContentLength(request.Header("Content-Length"));
                    if (length is null or > MaxBodyBytes)
                    {
                        await WriteResponseAsync(stream, new RawHttpResponse(413, "text/plain", "Bad or oversized Content-Length"u8.ToArray()), close: true);
                        return;
                    }

                    if (string.Equals(request.Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
                    {
                        await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _stopping.Token);
                    }

                    request = request with { Body = await reader.ReadBodyAsync(length.Value, _stopping.Token) };
                    var response = await _handler(request);
                    var close = version == "HTTP/1.0"
                        || string.Equals(request.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase);
                    await WriteResponseAsync(stream, response, close);
                    if (close)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or EndOfStreamException)
            {
                // The client went away or the server is stopping.
            }
        }
    }

    private static (string Method, string Target, string Version, List<KeyValuePair<string, string>> Headers) ParseHead(string head)
    {
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3)
        {
            throw new IOException($"Malformed request line: {lines[0]}");
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new IOException($"Malformed header line: {line}");
            }

            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        return (requestLine[0], requestLine[1], requestLine[2], headers);
    }

    private static int? ParseContentLength(string? value) =>
        value is null ? 0 : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private async Task WriteResponseAsync(NetworkStream stream, RawHttpResponse response, bool close)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.StatusCode} {ReasonPhrase(response.StatusCode)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n")
            .Append(CultureInfo.InvariantCulture, $"x-amzn-RequestId: {Guid.NewGuid()}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {DateTimeOffset.UtcNow:r}\r\n")
            .Append(close ? "Connection: close\r\n" : "Connection: keep-alive\r\n")
            .Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stopping.Token);
        await stream.WriteAsync(response.Body, _stopping.Token);
        await stream.FlushAsync(_stopping.Token);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        411 => "Length Required",
        413 => "Content Too Large",
        _ => "Status",
    };

    /// <summary>Buffered reads of a request head (up to the blank line) and then exactly N body bytes.</summary>
    private sealed class HttpFrameReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[MaxHeadBytes];
        private int _start;
        private int _end;

        public async Task<string?> ReadHeadAsync(int limit, CancellationToken cancellationToken)
        {
            while (true)
            {
                var terminator = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
                if (terminator >= 0)
                {
                    var head = Encoding.Latin1.GetString(_buffer, _start, terminator);
                    _start += terminator + 4;
                    return head;
                }

                if (_end - _start >= limit)
                {
                    throw new IOException("Request head too large.");
                }

                Compact();
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
                if (read == 0)
                {
                    return null;
                }

                _end += read;
            }
        }

        public async Task<byte[]> ReadBodyAsync(int length, CancellationToken cancellationToken)
        {
            var body = new byte[length];
            var buffered = Math.Min(length, _end - _start);
            _buffer.AsSpan(_start, buffered).CopyTo(body);
            _start += buffered;
            await stream.ReadExactlyAsync(body.AsMemory(buffered), cancellationToken);
            return body;
        }

        private void Compact()
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
        }
    }
}
