using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Turns <see cref="S3StoreOptions"/> into a configured <see cref="AmazonS3Client"/>, and rejects bad settings with
/// messages that say what to change. The SDK's own retries are switched off here: <see cref="S3ObjectStore"/>
/// retries with <see cref="Core.Storage.RetryPolicy"/>, so every retry is visible and testable.
/// </summary>
internal static class S3ClientBuilder
{
    /// <summary>Region used to sign requests to a custom endpoint when none is configured.</summary>
    private const string DefaultCustomEndpointRegion = "us-east-1";

    public static Uri? NormalizeEndpoint(string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        var text = endpoint.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            // No scheme: HTTPS, so that credentials and SSE-C keys never travel in clear by accident.
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException(
                $"The S3 endpoint '{endpoint}' is not a valid http(s) URL. Give a host name (HTTPS is assumed), or a URL such as https://s3.example.com or http://127.0.0.1:7480.",
                nameof(endpoint));
        }

        return uri;
    }

    public static void Validate(S3StoreOptions options, Uri? endpoint)
    {
        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            throw new ArgumentException("The bucket name is empty: set the bucket to mount.", nameof(options));
        }

        if (options.MaxConcurrentRequests < 1)
        {
            throw new ArgumentException($"MaxConcurrentRequests must be at least 1; got {options.MaxConcurrentRequests}.", nameof(options));
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RequestTimeout must be positive; got {options.RequestTimeout}.", nameof(options));
        }

        options.Retry.Validate();
        var sse = options.ServerSideEncryption;
        if (sse.Mode == SseMode.CustomerKey)
        {
            if (sse.CustomerKey is null)
            {
                throw new ArgumentException("SSE-C is selected but no customer key is configured: give the 32-byte key, or choose another server-side encryption mode.", nameof(options));
            }

            if (endpoint is not null && endpoint.Scheme == Uri.UriSchemeHttp && !options.AllowHttpSseC)
            {
                throw new ArgumentException(
                    $"SSE-C sends the encryption key in a request header, and the endpoint {endpoint} is plain HTTP: the key would cross the network in clear. "
                    + "Use an https:// endpoint, or set AllowHttpSseC (option allow_http_sse_c) only for a server on loopback or a trusted link.",
                    nameof(options));
            }
        }
        else if (sse.CustomerKey is not null || sse.OldCustomerKeys.Count > 0)
        {
            throw new ArgumentException($"SSE-C keys are configured but the server-side encryption mode is {sse.Mode}: select SSE-C (CustomerKey) or remove the keys.", nameof(options));
        }
    }

    public static AmazonS3Client Build(S3StoreOptions options, Uri? endpoint, S3HttpClientFactory httpFactory)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            // Retries are ours (RetryPolicy); the SDK must not retry underneath us or multiply our attempts.
            MaxErrorRetry = 0,
            ThrottleRetries = false,
            HttpClientFactory = httpFactory,
            RequestChecksumCalculation = options.Checksums == ChecksumPolicy.WhenRequired
                ? RequestChecksumCalculation.WHEN_REQUIRED
                : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = options.Checksums == ChecksumPolicy.WhenRequired
                ? ResponseChecksumValidation.WHEN_REQUIRED
                : ResponseChecksumValidation.WHEN_SUPPORTED,
            MaxConnectionsPerServer = options.MaxConcurrentRequests,
            EndpointProvider = new CachingS3EndpointProvider(new Amazon.S3.Internal.AmazonS3EndpointProvider()),
        };

        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = options.Region ?? DefaultCustomEndpointRegion;
        }
        else if (options.Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        var credentials = ResolveCredentials(options);
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private static AWSCredentials? ResolveCredentials(S3StoreOptions options)
    {
        if (options.Credentials is { } c)
        {
            return c.SessionToken is null
                ? new BasicAWSCredentials(c.AccessKeyId, c.SecretAccessKey)
                : new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        }

        if (options.Profile is { } profile)
        {
            var chain = new CredentialProfileStoreChain();
            if (!chain.TryGetAWSCredentials(profile, out var fromProfile))
            {
                throw new ArgumentException(
                    $"The AWS profile '{profile}' was not found in the shared credentials or config file (~/.aws/credentials, ~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE). "
                    + "Create it with 'aws configure --profile " + profile + "' or choose an existing profile.",
                    nameof(options));
            }

            return fromProfile;
        }

        // The SDK's default chain: environment variables, the default profile, web identity, container and
        // instance roles.
        return null;
    }
}
