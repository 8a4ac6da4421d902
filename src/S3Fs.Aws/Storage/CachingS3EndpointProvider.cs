using System.Collections.Concurrent;
using Amazon.Runtime.Endpoints;
using Amazon.S3.Endpoints;

namespace S3Fs.Aws.Storage;

/// <summary>
/// The SDK's S3 endpoint rules, evaluated once per bucket and configuration instead of twice per request (once to
/// choose the auth scheme, once for the URL): a profile of the first <c>ls -l</c> of a directory, one HEAD per name,
/// put a fifth of the mount's CPU in those two evaluations.
/// </summary>
/// <remarks>
/// The cache key is every parameter except <see cref="S3EndpointParameters.Key"/>, <see cref="S3EndpointParameters.Prefix"/>
/// and <see cref="S3EndpointParameters.CopySource"/>: the object named by a request does not choose its endpoint (the
/// object's path is added to the URL afterwards). <see cref="KeyedParameters"/> lists the parameters the key covers,
/// and a test fails when the SDK's parameter set changes, so a new parameter cannot be silently left out. Each request
/// gets its own copy of the cached endpoint (URL, and the shared attributes and headers the SDK only reads): the SDK
/// appends the request's path to the URL it is given, so a shared instance signed the next request for the wrong path.
/// </remarks>
internal sealed class CachingS3EndpointProvider(IEndpointProvider inner) : IEndpointProvider
{
    /// <summary>The <see cref="S3EndpointParameters"/> properties the cache key is made of.</summary>
    internal static readonly string[] KeyedParameters =
    [
        nameof(S3EndpointParameters.Bucket), nameof(S3EndpointParameters.Region), nameof(S3EndpointParameters.UseFIPS),
        nameof(S3EndpointParameters.UseDualStack), nameof(S3EndpointParameters.Endpoint), nameof(S3EndpointParameters.ForcePathStyle),
        nameof(S3EndpointParameters.Accelerate), nameof(S3EndpointParameters.UseGlobalEndpoint),
        nameof(S3EndpointParameters.UseObjectLambdaEndpoint), nameof(S3EndpointParameters.DisableAccessPoints),
        nameof(S3EndpointParameters.DisableMultiRegionAccessPoints), nameof(S3EndpointParameters.UseArnRegion),
        nameof(S3EndpointParameters.UseS3ExpressControlEndpoint), nameof(S3EndpointParameters.DisableS3ExpressSessionAuth),
    ];

    /// <summary>The per-object parameters, which the key leaves out.</summary>
    internal static readonly string[] ObjectParameters =
    [
        nameof(S3EndpointParameters.Key), nameof(S3EndpointParameters.Prefix), nameof(S3EndpointParameters.CopySource),
    ];

    /// <summary>A bound on distinct configurations kept (one mount uses a handful: its bucket, with and without it).</summary>
    private const int MaxEntries = 64;

    private readonly ConcurrentDictionary<string, Endpoint> _resolved = new(StringComparer.Ordinal);
    private long _hits;

    /// <summary>Resolutions answered from the cache (for tests).</summary>
    internal long Hits => Interlocked.Read(ref _hits);

    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        if (parameters is not S3EndpointParameters p)
        {
            return inner.ResolveEndpoint(parameters);
        }

        var key = string.Join(
            '\u001f',
            p.Bucket, p.Region, p.UseFIPS, p.UseDualStack, p.Endpoint, p.ForcePathStyle, p.Accelerate, p.UseGlobalEndpoint,
            p.UseObjectLambdaEndpoint, p.DisableAccessPoints, p.DisableMultiRegionAccessPoints, p.UseArnRegion,
            p.UseS3ExpressControlEndpoint, p.DisableS3ExpressSessionAuth);
        if (_resolved.TryGetValue(key, out var endpoint))
        {
            Interlocked.Increment(ref _hits);
            return Copy(endpoint);
        }

        // Errors (an invalid bucket name for the rules, say) are not cached: each request gets the SDK's own error.
        endpoint = inner.ResolveEndpoint(parameters);
        if (_resolved.Count < MaxEntries)
        {
            _resolved.TryAdd(key, Copy(endpoint));
        }

        return endpoint;
    }

    /// <summary>A request's own copy: the SDK changes the endpoint it is given (the URL gains the request's path).</summary>
    private static Endpoint Copy(Endpoint endpoint) => new(endpoint.URL)
    {
        Attributes = endpoint.Attributes,
        Headers = endpoint.Headers,
    };
}
