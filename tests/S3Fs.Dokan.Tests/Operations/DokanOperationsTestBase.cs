using S3Fs.Dokan.Tests.Harness;

namespace S3Fs.Dokan.Tests.Operations;

/// <summary>A fresh in-memory bucket and adapter per test; checks at the end that every handle was closed.</summary>
public abstract class DokanOperationsTestBase : IAsyncLifetime
{
    private DokanHarness? _harness;

    protected DokanHarness H => _harness ?? throw new InvalidOperationException("not initialised");

    protected DokanOperations Ops => H.Operations;

    /// <summary>Options for the adapter under test (override to change them).</summary>
    protected virtual DokanMountOptions MountOptions => new();

    public Task InitializeAsync()
    {
        _harness = DokanHarness.InMemory(MountOptions);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            Assert.Equal(0, _harness.Operations.OpenHandles);
            await _harness.DisposeAsync();
        }
    }

    protected string Key(string name) => H.Prefix + name;

    protected static byte[] Bytes(string s) => StoreObjects.Bytes(s);

    protected static string Text(byte[] b) => StoreObjects.Text(b);
}
