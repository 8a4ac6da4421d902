using System.Security.Cryptography;
using S3Fs.Conformance;
using S3Fs.Core.Content;
using S3Fs.Core.Tests.Conformance;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>A private temporary directory for one test class (staging of the stores it creates), deleted afterwards.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "s3cfs-conformance", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The shared filesystem suite over the real content layer, encrypting (the default kind of volume).</summary>
public sealed class EncryptedContentConformanceTests(TemporaryDirectory temp) : FileSystemConformanceTests, IClassFixture<TemporaryDirectory>
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    protected override Task<IFsDriver> CreateDriverAsync() => Task.FromResult<IFsDriver>(new InProcessDriver(
        new InMemoryObjectStore(),
        "mnt/",
        store => new ContentStore(store, new ContentOptions
        {
            Ciphers = new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(_key))),
            StagingDirectory = temp.Path,
        })));
}

/// <summary>The shared filesystem suite over the real content layer in a plain volume (encryption = none).</summary>
public sealed class PlainContentConformanceTests(TemporaryDirectory temp) : FileSystemConformanceTests, IClassFixture<TemporaryDirectory>
{
    protected override Task<IFsDriver> CreateDriverAsync() => Task.FromResult<IFsDriver>(new InProcessDriver(
        new InMemoryObjectStore(),
        "mnt/",
        store => new ContentStore(store, new ContentOptions { StagingDirectory = temp.Path })));
}
