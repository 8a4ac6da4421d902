using S3Fs.Cli.Commands;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;

namespace S3Fs.Cli;

/// <summary>The production composition root: options to S3ObjectStore (AWS SDK).</summary>
internal sealed class AwsServiceFactory : IServiceFactory
{
    public IObjectStore CreateStore(ConnectionSettings connection, OptionSet options) =>
        throw new NotSupportedException("the S3 object store is not wired yet");
}
