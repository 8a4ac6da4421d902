using Amazon.KeyManagementService;
using Amazon.Runtime;
using S3Fs.Testing.Kms;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>Real AWS SDK KMS clients pointed at a <see cref="KmsTestServer"/>.</summary>
internal static class KmsTestClients
{
    /// <summary>A client signing with the server's credentials; <paramref name="maxErrorRetry"/> 0 turns retries off.</summary>
    public static AmazonKeyManagementServiceClient For(
        KmsTestServer server,
        int maxErrorRetry = 0,
        string? accessKeyId = null,
        string? secretAccessKey = null,
        string? region = null) =>
        new(
            new BasicAWSCredentials(accessKeyId ?? server.AccessKeyId, secretAccessKey ?? server.SecretAccessKey),
            new AmazonKeyManagementServiceConfig
            {
                ServiceURL = server.Endpoint.ToString(),
                AuthenticationRegion = region ?? server.Region,
                RetryMode = RequestRetryMode.Standard,
                MaxErrorRetry = maxErrorRetry,
            });
}
