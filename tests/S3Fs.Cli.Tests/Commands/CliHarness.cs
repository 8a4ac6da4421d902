using S3Fs.Cli.Commands;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Cli.Tests.Commands;

/// <summary>Runs s3cfs commands in-process over an in-memory bucket; captures output and exit code.</summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("s3cfs-cli-").FullName;
        Services = new InMemoryServices(Store);
    }

    public InMemoryObjectStore Store { get; } = new("cli-test");

    internal InMemoryServices Services { get; }

    public string Directory { get; }

    /// <summary>Writes an options file (bucket preset) and returns its path.</summary>
    public string Options(string text, string name = "test.conf")
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, "bucket = cli-test\n" + text);
        return path;
    }

    /// <summary>A fresh local master key file (mode 0600).</summary>
    public string NewKey(string name = "master.key")
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(args, stdout, stderr, Services, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    internal sealed class InMemoryServices(IObjectStore store) : IServiceFactory
    {
        public S3Fs.Cli.Diagnostics.KmsCallCounter KmsCalls { get; } = new();

        public Microsoft.Extensions.Logging.ILoggerFactory Logging { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

        public int StoresCreated { get; private set; }

        public ValueTask<IObjectStore> CreateStoreAsync(ConnectionSettings connection, OptionSet options, bool forWriting, CancellationToken cancellationToken)
        {
            StoresCreated++;
            return ValueTask.FromResult(store);
        }

        public ValueTask<IMasterKey> CreateKmsKeyAsync(KmsKeySpec spec, EncryptionSettings encryption, ConnectionSettings connection, CancellationToken cancellationToken) =>
            throw new NotSupportedException("KMS keys are tested in S3Fs.Aws.Tests against the KMS test server");
    }
}
