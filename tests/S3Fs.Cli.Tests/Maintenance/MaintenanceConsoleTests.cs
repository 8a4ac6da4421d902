using S3Fs.Cli.Commands;
using S3Fs.Cli.Tests.Commands;
using S3Fs.Core.Maintenance;

namespace S3Fs.Cli.Tests.Maintenance;

public sealed class MaintenanceConsoleTests : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        _out.Dispose();
        _err.Dispose();
    }

    private MaintenanceConsole Console() => new(new CommandContext(_out, _err, new CliHarness.InMemoryServices(new S3Fs.Testing.Storage.InMemoryObjectStore())), new MaintenanceWords("rekey", "re-keyed", "already current", "FAILED"));

    [Fact]
    public void OnProgress_WhileListing_ShowsDoneOfListedSoFarBytesAndRates()
    {
        Console().OnProgress(new MaintenanceProgress { Listed = 5000, Changed = 1000, Unchanged = 200, Invalid = 1, Bytes = 3 * 1024 * 1024, Elapsed = TimeSpan.FromSeconds(5) });

        Assert.Equal("s3cfs rekey: 1,201/5,000+ objects, 3.0 MiB, 240.2 objects/s, 614.4 KiB/s, 1 with problems" + Environment.NewLine, _err.ToString());
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public void OnOutcome_LabelsProblemsAndSkipsUnchangedFiles()
    {
        var console = Console();
        console.OnOutcome(new ObjectOutcome("p/a", "a", OutcomeKind.Changed, "re-keyed: x -> y"));
        console.OnOutcome(new ObjectOutcome("p/b", "b", OutcomeKind.Unchanged, "already under the current key"));
        console.OnOutcome(new ObjectOutcome("p/c", "c", OutcomeKind.Invalid, "why"));
        console.OnOutcome(new ObjectOutcome("p/d", "d", OutcomeKind.Error, "what failed"));
        console.OnOutcome(new ObjectOutcome("p/e", "e", OutcomeKind.Warning, "note"));

        Assert.Equal(["a: re-keyed: x -> y", "FAILED: c: why", "ERROR: d: what failed", "warning: e: note"], _out.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData(false, false, 0, 0, false, 0)]
    [InlineData(false, false, 1, 0, false, 1)]
    [InlineData(false, false, 0, 1, false, 1)]
    [InlineData(false, false, 1, 1, true, 3)]
    [InlineData(false, false, 0, 1, true, 1)]
    [InlineData(true, false, 1, 0, true, 130)]
    [InlineData(false, true, 0, 0, false, 1)]
    public async Task FinishAsync_MapsTheSummaryToTheDocumentedExitStatus(bool interrupted, bool listingFailed, int invalid, int errors, bool integrityExitCode, int expected)
    {
        var progress = new MaintenanceProgress { Listed = 10 + invalid + errors, ListingComplete = !interrupted && !listingFailed, Changed = 10, Invalid = invalid, Errors = errors };
        var summary = new MaintenanceSummary(progress, interrupted, 0, listingFailed ? new IOException("listing broke") : null);

        Assert.Equal(expected, await Console().FinishAsync(summary, string.Empty, integrityExitCode));
        Assert.Contains("rekey: ", _out.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.0 GiB")]
    public void Size_IsHumanReadable(long bytes, string expected) => Assert.Equal(expected, MaintenanceConsole.Size(bytes));
}
