using S3Fs.Cli.Diagnostics;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Commands;

/// <summary>
/// Builds the runtime pieces a command needs from validated options. The production factory wires the AWS SDK;
/// tests substitute an in-memory store so commands can be exercised without a server.
/// </summary>
internal interface IServiceFactory
{
    /// <summary>Where the stores and keys made from now on log (a command sets it once its options are read).</summary>
    Microsoft.Extensions.Logging.ILoggerFactory Logging { get; set; }

    /// <summary>KMS requests made by the KMS master keys this factory created.</summary>
    KmsCallCounter KmsCalls { get; }

    /// <summary>
    /// A store for the configured bucket. With <paramref name="forWriting"/>, capabilities left on 'auto' are probed
    /// (one scratch object under the mount's <c>.s3cfs/</c>), so writers know what the server supports; readers skip
    /// the probe and never write. The caller disposes the store if it is disposable.
    /// </summary>
    ValueTask<IObjectStore> CreateStoreAsync(ConnectionSettings connection, OptionSet options, bool forWriting, CancellationToken cancellationToken);

    /// <summary>A KMS master key (DescribeKey once, to resolve aliases to the key ARN recorded in envelopes).</summary>
    ValueTask<IMasterKey> CreateKmsKeyAsync(KmsKeySpec spec, EncryptionSettings encryption, ConnectionSettings connection, CancellationToken cancellationToken);
}
