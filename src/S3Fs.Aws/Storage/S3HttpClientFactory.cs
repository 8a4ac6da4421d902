using Amazon.Runtime;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Gives the SDK one shared <see cref="HttpClient"/> whose handler we configure: a connection pool sized to our
/// concurrency limit, no HttpClient-level timeout (each attempt has its own, enforced by the store so that a
/// timeout is a retryable error we control), and an optional decorator that tests use to record requests or inject
/// faults at the HTTP layer in front of a real server.
/// </summary>
internal sealed class S3HttpClientFactory : HttpClientFactory, IDisposable
{
    private readonly HttpClient _client;
    private readonly ServerDateHandler _dates;

    /// <summary>The latest <c>Date</c> header of a response the server sent (whole seconds), or null before the first.</summary>
    public DateTimeOffset? LatestServerDate => _dates.Latest;

    public S3HttpClientFactory(int maxConnections, Func<HttpMessageHandler, HttpMessageHandler>? decorator)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            // Re-resolve DNS every few minutes: S3 endpoints rotate addresses, and a pinned connection to a drained
            // front end is what the SDK's own handler avoids too (5 min, its default).
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // S3 never compresses object bodies unasked; decompression would break byte ranges.
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            // A connect that takes longer than this is a dead endpoint, not a slow one.
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _dates = new ServerDateHandler { InnerHandler = handler };
        HttpMessageHandler outer = decorator is null ? _dates : decorator(_dates);
        _client = new HttpClient(outer, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

    // The one client lives as long as the store; the SDK must neither cache copies nor dispose it.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) => "s3fs-shared";

    public void Dispose() => _client.Dispose();
}

/// <summary>
/// Remembers the <c>Date</c> header of the server's latest response: a lower bound of the server's clock for any
/// request sent afterwards (the directory attribute index needs one; the local clock may be off). Only responses that
/// carry an S3 request id count (not a proxy's own answers), and the value follows the latest one rather than the
/// largest ever seen, so one front end with a clock ahead cannot make every later read look older than it is.
/// </summary>
internal sealed class ServerDateHandler : DelegatingHandler
{
    private long _latestTicks;

    public DateTimeOffset? Latest
    {
        get
        {
            var ticks = Interlocked.Read(ref _latestTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Headers.Date is { } date && response.Headers.Contains("x-amz-request-id"))
        {
            Interlocked.Exchange(ref _latestTicks, date.UtcTicks);
        }

        return response;
    }
}
