using Microsoft.Extensions.Logging;
using S3Fs.Aws.Kms;
using S3Fs.Aws.Storage;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Diagnostics;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli;

/// <summary>The production composition root: validated options to S3ObjectStore (AWS SDK).</summary>
internal sealed class AwsServiceFactory(ILoggerFactory loggerFactory) : IServiceFactory
{
    public ILoggerFactory Logging { get; set; } = loggerFactory;

    /// <summary>Where the capability probe writes its scratch objects (deleted right after), under the mount prefix.</summary>
    public const string ProbeFolder = ".s3cfs/probe/";

    public KmsCallCounter KmsCalls { get; } = new();

    public async ValueTask<IObjectStore> CreateStoreAsync(ConnectionSettings connection, OptionSet options, bool forWriting, CancellationToken cancellationToken)
    {
        var store = new S3ObjectStore(ToStoreOptions(connection), Logging.CreateLogger<S3ObjectStore>());
        try
        {
            if (forWriting)
            {
                await store.DetectCapabilitiesAsync(connection.Prefix + ProbeFolder, cancellationToken).ConfigureAwait(false);
            }

            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public async ValueTask<IMasterKey> CreateKmsKeyAsync(KmsKeySpec spec, EncryptionSettings encryption, ConnectionSettings connection, CancellationToken cancellationToken)
    {
        var options = new KmsMasterKeyOptions
        {
            Key = spec.KeyId,
            Region = encryption.KmsRegion ?? connection.Region,
            Endpoint = encryption.KmsEndpoint,
            EncryptionContext = encryption.KmsContext,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OptionsException(new OptionError(new OptionSource("options", 0), e.Message));
        }

        // The client lives as long as the process (one per configured KMS key); every request is counted for stats.
        var client = KmsClientFactory.Create(options);
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs w && w.Request is { } request)
            {
                KmsCalls.Record(request.GetType().Name);
            }
        };
        return await KmsMasterKey.CreateAsync(options, client, null, Logging.CreateLogger<KmsMasterKey>(), cancellationToken).ConfigureAwait(false);
    }

    internal static S3StoreOptions ToStoreOptions(ConnectionSettings c)
    {
        var defaults = new S3StoreOptions { Bucket = c.Bucket };
        return defaults with
        {
            Endpoint = c.Endpoint?.ToString().TrimEnd('/'),
            Region = c.Region,
            PathStyle = c.PathStyle,
            Profile = c.Profile,
            Checksums = ChecksumsFor(c.Checksums),
            AllowHttpSseC = c.AllowHttpSseC,
            UploadPartCopy = Capability(c.UploadPartCopy),
            ConditionalCreate = Capability(c.ConditionalWrites),
            ConditionalReplace = Capability(c.ConditionalWrites),
            ServerSideEncryption = ServerSideEncryptionFor(c.Sse),
            RequestTimeout = c.RequestTimeout ?? defaults.RequestTimeout,
            Retry = c.Retries is { } r ? defaults.Retry with { MaxAttempts = r } : defaults.Retry,
            MaxConcurrentRequests = c.MaxConnections ?? defaults.MaxConcurrentRequests,
        };
    }

    /// <summary>The SSE settings as the store wants them; customer keys are read from their (owner-only) files here.</summary>
    internal static ServerSideEncryption ServerSideEncryptionFor(SseSettings sse) => new()
    {
        Mode = sse.Mode switch
        {
            "s3" => SseMode.S3,
            "kms" => SseMode.Kms,
            "c" => SseMode.CustomerKey,
            _ => SseMode.None,
        },
        KmsKeyId = sse.KmsKeyId,
        KmsContext = sse.KmsContext,
        KmsBucketKey = sse.BucketKey,
        CustomerKey = sse.CustomerKeyFile is { } f ? LoadCustomerKey(f) : null,
        OldCustomerKeys = sse.OldCustomerKeyFiles.Select(LoadCustomerKey).ToList(),
    };

    private static CustomerKey LoadCustomerKey(string path)
    {
        using var bytes = FileMasterKey.ReadKeyFile(path, "SSE-C key file");
        return new CustomerKey(bytes.Span);
    }

    /// <summary>The option, else the SDK's own environment variable (so one setting serves s3cfs and the AWS CLI).</summary>
    private static ChecksumPolicy ChecksumsFor(string? option)
    {
        var value = option ?? Environment.GetEnvironmentVariable("AWS_REQUEST_CHECKSUM_CALCULATION")?.Trim().ToLowerInvariant();
        return value == "when_required" ? ChecksumPolicy.WhenRequired : ChecksumPolicy.WhenSupported;
    }

    private static CapabilitySetting Capability(string value) => value switch
    {
        "true" => CapabilitySetting.Enabled,
        "false" => CapabilitySetting.Disabled,
        _ => CapabilitySetting.Auto,
    };
}
