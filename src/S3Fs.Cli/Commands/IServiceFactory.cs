using S3Fs.Cli.Options;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Commands;

/// <summary>
/// Builds the runtime pieces a command needs from validated options. The production factory wires the AWS SDK;
/// tests substitute an in-memory store so commands can be exercised without a server.
/// </summary>
internal interface IServiceFactory
{
    /// <summary>A store for the configured bucket. The caller disposes it if it is disposable.</summary>
    IObjectStore CreateStore(ConnectionSettings connection, OptionSet options);
}
