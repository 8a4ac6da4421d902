using System.Net;
using System.Net.Sockets;
using System.Text;

namespace S3Fs.Aws.Tests.Http;

/// <summary>What <see cref="FaultInjectingHandler"/> does to a matching request.</summary>
public enum HttpFault
{
    /// <summary>Answer 503 SlowDown without contacting the server (S3's throttling response).</summary>
    SlowDown,

    /// <summary>Answer 500 InternalError without contacting the server.</summary>
    InternalError,

    /// <summary>Fail as a connection reset by the peer, before any response.</summary>
    ConnectionReset,

    /// <summary>Forward to the server, then break the response body with an IOException after N bytes.</summary>
    BreakBody,

    /// <summary>Forward to the server, then end the response body cleanly after N bytes (a short body).</summary>
    EndBodyEarly,

    /// <summary>Wait (honouring cancellation) for the given delay before forwarding.</summary>
    Delay,

    /// <summary>Run the given action (e.g. change the object on the server), then forward.</summary>
    RunThenForward,

    /// <summary>Forward to the server, let it act, then fail as a connection reset: the response is lost.</summary>
    ForwardThenReset,

    /// <summary>Answer 404 NoSuchUpload without contacting the server (AWS's answer to a repeated Complete).</summary>
    NoSuchUpload,
}

/// <summary>
/// Sits between the SDK and the real RGW and injects scripted faults: "the next N requests matching P get fault F".
/// This exercises the store's own retry, resume and timeout code against real server responses, which an
/// in-memory fake cannot.
/// </summary>
public sealed class FaultInjectingHandler : DelegatingHandler
{
    private readonly Lock _lock = new();
    private readonly List<Rule> _rules = [];

    public FaultInjectingHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Requests that reached this handler, faulted or not.</summary>
    public int RequestCount { get; private set; }

    /// <summary>Requests in this handler now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests that were in this handler at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> requests matching <paramref name="match"/>.</summary>
    public void Inject(Func<HttpRequestMessage, bool> match, HttpFault fault, int times, long bodyBytes = 0, TimeSpan delay = default, Func<Task>? action = null)
    {
        lock (_lock)
        {
            _rules.Add(new Rule(match, fault, times, bodyBytes, delay, action));
        }
    }

    public static bool IsGet(HttpRequestMessage r) => r.Method == HttpMethod.Get && !r.RequestUri!.Query.Contains("list-type", StringComparison.Ordinal);

    public static bool IsPut(HttpRequestMessage r) => r.Method == HttpMethod.Put;

    public static bool IsHead(HttpRequestMessage r) => r.Method == HttpMethod.Head;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
        {
            Interlocked.CompareExchange(ref _maxInFlight, now, max);
        }

        try
        {
            return await SendCoreAsync(request, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Rule? rule;
        lock (_lock)
        {
            RequestCount++;
            rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Match(request));
            if (rule is not null)
            {
                rule.Remaining--;
            }
        }

        switch (rule?.Fault)
        {
            case null:
                return await base.SendAsync(request, cancellationToken);
            case HttpFault.SlowDown:
                return Error(HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate.");
            case HttpFault.InternalError:
                return Error(HttpStatusCode.InternalServerError, "InternalError", "We encountered an internal error. Please try again.");
            case HttpFault.NoSuchUpload:
                return Error(HttpStatusCode.NotFound, "NoSuchUpload", "The specified upload does not exist.");
            case HttpFault.ConnectionReset:
                throw new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)));
            case HttpFault.Delay:
                await Task.Delay(rule.Delay, cancellationToken);
                return await base.SendAsync(request, cancellationToken);
            case HttpFault.RunThenForward:
                await rule.Action!();
                return await base.SendAsync(request, cancellationToken);
            case HttpFault.ForwardThenReset:
                using (await base.SendAsync(request, cancellationToken))
                {
                    throw new HttpRequestException("An error occurred while reading the response.", new IOException("Connection reset by peer (after the server acted)"));
                }
            default:
                var response = await base.SendAsync(request, cancellationToken);
                var inner = await response.Content.ReadAsStreamAsync(cancellationToken);
                var cut = new StreamContent(new CuttingStream(inner, rule.BodyBytes, rule.Fault == HttpFault.BreakBody));
                foreach (var h in response.Content.Headers)
                {
                    cut.Headers.TryAddWithoutValidation(h.Key, h.Value);
                }

                response.Content = cut;
                return response;
        }
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string message)
    {
        var xml = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>injected-fault</RequestId></Error>";
        return new HttpResponseMessage(status) { Content = new StringContent(xml, Encoding.UTF8, "application/xml") };
    }

    private sealed class Rule(Func<HttpRequestMessage, bool> match, HttpFault fault, int remaining, long bodyBytes, TimeSpan delay, Func<Task>? action)
    {
        public Func<Task>? Action { get; } = action;

        public Func<HttpRequestMessage, bool> Match { get; } = match;

        public HttpFault Fault { get; } = fault;

        public int Remaining { get; set; } = remaining;

        public long BodyBytes { get; } = bodyBytes;

        public TimeSpan Delay { get; } = delay;
    }

    /// <summary>Passes <c>limit</c> bytes through, then throws (a reset mid-body) or reports end of stream.</summary>
    private sealed class CuttingStream(Stream inner, long limit, bool throwAtLimit) : Stream
    {
        private long _passed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _passed; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_passed >= limit)
            {
                return throwAtLimit ? throw new IOException("Connection reset by peer (injected mid-body)") : 0;
            }

            var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, limit - _passed)], cancellationToken);
            _passed += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
