using Microsoft.Extensions.Logging;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>libfuse logs through one process-wide hook, which follows the most recent mount: so these run alone.</summary>
[Trait("Category", "Fuse")]
[Collection(ProcessWideStateCollection.Name)]
public sealed class LibFuseLogTests
{
    [Fact]
    public async Task MountAsync_Debug_RoutesLibFuseTraceToTheLogger()
    {
        await using var mount = await TestMount.StartAsync(configure: o => o with { Debug = true });

        await Shell.CheckAsync("ls", mount.Root);

        Assert.Contains(mount.Logger.Entries, e => e.Id.Id == 3020 && e.Level == LogLevel.Debug && e.Message.Contains("opcode: READDIR", StringComparison.Ordinal));
    }
}
