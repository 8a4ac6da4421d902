using Amazon;
using Amazon.KeyManagementService;
using Amazon.Runtime;

namespace S3Fs.Aws.Kms;

/// <summary>
/// Builds the KMS client a mount uses: region or custom endpoint from the options, the SDK's <em>standard</em>
/// retry mode (exponential backoff with jitter, retries on throttling and transient errors) with a bounded number
/// of attempts. Kept apart so that tests build exactly the production client, pointed at the test server.
/// </summary>
public static class KmsClientFactory
{
    /// <param name="options">Validated here.</param>
    /// <param name="credentials">Explicit credentials; null uses the SDK's default chain (environment, profile, instance role...).</param>
    public static AmazonKeyManagementServiceClient Create(KmsMasterKeyOptions options, AWSCredentials? credentials = null)
    {
        var key = options.Validate();
        var region = options.Region ?? key.ArnRegion;
        var config = new AmazonKeyManagementServiceConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxAttempts - 1,
        };
        if (options.Endpoint is not null)
        {
            config.ServiceURL = options.Endpoint.ToString();
            if (region is not null)
            {
                config.AuthenticationRegion = region;
            }
        }
        else if (region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return credentials is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(credentials, config);
    }
}
