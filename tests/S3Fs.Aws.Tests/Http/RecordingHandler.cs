using System.Collections.Concurrent;

namespace S3Fs.Aws.Tests.Http;

/// <summary>One request as it left the SDK, and the status and headers that came back.</summary>
public sealed record RecordedExchange(
    HttpMethod Method,
    Uri Uri,
    IReadOnlyDictionary<string, string> RequestHeaders,
    int StatusCode,
    IReadOnlyDictionary<string, string> ResponseHeaders)
{
    public string? RequestHeader(string name) => RequestHeaders.GetValueOrDefault(name.ToLowerInvariant());

    public string? ResponseHeader(string name) => ResponseHeaders.GetValueOrDefault(name.ToLowerInvariant());

    public string Query => Uri.Query;
}

/// <summary>
/// Records every HTTP exchange between the SDK and the server (installed through
/// <c>S3StoreOptions.HttpHandlerDecorator</c>), so tests can assert on what was actually sent: SSE headers that
/// RGW accepts but ignores, If-Match forms, ranges of resumed GETs, request counts.
/// </summary>
public sealed class RecordingHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<RecordedExchange> _exchanges = new();

    public RecordingHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    public IReadOnlyList<RecordedExchange> Exchanges => [.. _exchanges];

    public void Clear() => _exchanges.Clear();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var requestHeaders = Flatten(request.Headers, request.Content?.Headers);
        var response = await base.SendAsync(request, cancellationToken);
        _exchanges.Enqueue(new RecordedExchange(request.Method, request.RequestUri!, requestHeaders, (int)response.StatusCode, Flatten(response.Headers, response.Content.Headers)));
        return response;
    }

    private static Dictionary<string, string> Flatten(System.Net.Http.Headers.HttpHeaders headers, System.Net.Http.Headers.HttpHeaders? content)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var h in headers)
        {
            d[h.Key.ToLowerInvariant()] = string.Join(",", h.Value);
        }

        if (content is not null)
        {
            foreach (var h in content)
            {
                d[h.Key.ToLowerInvariant()] = string.Join(",", h.Value);
            }
        }

        return d;
    }
}
